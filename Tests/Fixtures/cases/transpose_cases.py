# Corpus cases for Conv2DTranspose (issue 9, item 3), made with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/transpose_cases.py --only transpose_plain,transpose_bn --out /tmp/transpose
# and copied into Tests/Fixtures/corpus when every stage passes.


@case("transpose_plain", "holdout",
      "uint8 input, Conv2D(8,3,s2,same)+ReLU, Conv2DTranspose(8,3,s2,same)+ReLU, Conv2D(4,1)")
def _transpose_plain(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, padding="same", name="conv_t")(x)
    x = L.ReLU(name="relu_t")(x)
    x = L.Conv2D(4, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="transpose_plain")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={})


@case("transpose_bn", "holdout",
      "uint8 input, Conv2D(8,3,s2,same)+ReLU, Conv2DTranspose(6,3,s2,same)+BN+ReLU, Conv2D(4,1)")
def _transpose_bn(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(6, 3, strides=2, padding="same", use_bias=False, name="conv_t")(x)
    x = L.BatchNormalization(name="bn_t")(x)
    x = L.ReLU(name="relu_t")(x)
    x = L.Conv2D(4, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="transpose_bn")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={})


@case("transpose_valid", "holdout",
      "uint8 input, Conv2D(8,3)+ReLU, Conv2DTranspose(4,4,s2,valid)+ReLU, Conv2D(3,1)")
def _transpose_valid(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(4, 4, strides=2, padding="valid", name="conv_t")(x)
    x = L.ReLU(name="relu_t")(x)
    x = L.Conv2D(3, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="transpose_valid")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={})


@case("transpose_k4", "holdout",
      "uint8 input, Conv2D(8,3,s2,same)+ReLU, Conv2DTranspose(6,4,s2,same,no bias)+ReLU6, Conv2D(4,3,same)")
def _transpose_k4(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(6, 4, strides=2, padding="same", use_bias=False, name="conv_t")(x)
    x = L.ReLU(6.0, name="relu_t")(x)
    x = L.Conv2D(4, 3, padding="same", name="conv_out")(x)
    model = keras.Model(inp, x, name="transpose_k4")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={}, targets=("v2",))


@case("dw_transpose", "holdout",
      "uint8 input, Conv2D(8,3,s2,same)+ReLU, quantizeml DepthwiseConv2DTranspose(3,s2,same)+ReLU, Conv2D(4,1)")
def _dw_transpose(rng):
    from quantizeml.layers import DepthwiseConv2DTranspose
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = DepthwiseConv2DTranspose(3, strides=2, padding="same", name="dw_t")(x)
    x = L.ReLU(name="relu_t")(x)
    x = L.Conv2D(4, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="dw_transpose")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={}, targets=("v2",))


@case("sepconv_transpose", "holdout",
      "akida_models sepconv_transpose_block: uint8 input, Conv2D(8,3,s2,same)+ReLU, "
      "DepthwiseConv2DTranspose(4,s2,same), Conv2D(6,1)+BN+ReLU3.75, Conv2D(3,1)")
def _sepconv_transpose(rng):
    from akida_models.layer_blocks import sepconv_transpose_block
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = sepconv_transpose_block(x, 6, 4, add_batchnorm=True, name="up")
    x = L.Conv2D(3, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="sepconv_transpose")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={}, targets=("v2",))


@case("transpose_w4", "holdout",
      "uint8 input, Conv2D(8,3,s2,same)+ReLU, Conv2DTranspose(8,3,s2,same)+ReLU, Conv2D(4,1); 4-bit weights")
def _transpose_w4(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, padding="same", name="conv_t")(x)
    x = L.ReLU(name="relu_t")(x)
    x = L.Conv2D(4, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="transpose_w4")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={"weight_bits": 4}, targets=("v2",))


@case("transpose_k5", "holdout",
      "uint8 input, Conv2D(8,3,s2,same)+ReLU, Conv2DTranspose(4,5,s2,same)+ReLU, Conv2D(3,1): the 5x5 kernel "
      "is refused by the Akida 2.0 converter")
def _transpose_k5(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(4, 5, strides=2, padding="same", name="conv_t")(x)
    x = L.ReLU(name="relu_t")(x)
    x = L.Conv2D(3, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="transpose_k5")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 4, (8, 8, 3)), qparams={}, targets=("v2",))
