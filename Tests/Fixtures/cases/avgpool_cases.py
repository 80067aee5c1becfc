# Corpus cases for AveragePooling2D (issue 8's registry demonstration), made with
#   python3 ../shared/tools/make_corpus.py --set holdout --extra-cases Tests/Fixtures/cases/avgpool_cases.py \
#       --only avgpool_tail,avgpool_mid,avgpool_first --out /tmp/avgpool
# and copied into Tests/Fixtures/corpus. quantizeml 1.2.5 has no quantized AveragePooling2D:
# quantization stops before it (a Dequantizer, then a float tail) and conversion stops at the
# Dequantizer. These cases record exactly that, at three positions of the layer.


@case("avgpool_tail", "holdout",
      "Conv+BN+ReLU, AveragePooling2D(2), Flatten, Dense on a uint8 input: float tail from the pooling on")
def _avgpool_tail(rng):
    inp, x = _uint8_stem((16, 16, 3))
    x = L.Conv2D(8, 3, padding="same", name="conv_0")(x)
    x = L.BatchNormalization(name="bn_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.AveragePooling2D(2, name="avg_pool")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(10, name="dense")(x)
    model = keras.Model(inp, x, name="avgpool_tail")
    cal = images_uint8(rng, 64, (16, 16, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (16, 16, 3)), qparams={})


@case("avgpool_mid", "holdout",
      "float input, Conv(s2)+ReLU, AveragePooling2D(3, strides 1, same), Conv+ReLU, GAP, Dense; 8/4/4")
def _avgpool_mid(rng):
    inp = L.Input((12, 12, 3), name="input")
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(inp)
    x = L.ReLU(6.0, name="relu_0")(x)
    x = L.AveragePooling2D(3, strides=1, padding="same", name="avg_pool")(x)
    x = L.Conv2D(16, 3, padding="same", name="conv_1")(x)
    x = L.ReLU(name="relu_1")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(4, name="dense")(x)
    model = keras.Model(inp, x, name="avgpool_mid")
    cal = images_float255(rng, 64, (12, 12, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_float255(rng, 8, (12, 12, 3)),
                qparams={"input_weight_bits": 8, "weight_bits": 4, "activation_bits": 4}, targets=("v2",),
                notes=["Akida 1.0 converts this model but akida cannot evaluate it (its last layer "
                       "has an activation), so only Akida 2.0 is recorded."])


@case("avgpool_first", "holdout",
      "uint8 input, AveragePooling2D(2) before any convolution, Conv+ReLU, Flatten, Dense")
def _avgpool_first(rng):
    inp, x = _uint8_stem((10, 10, 1))
    x = L.AveragePooling2D(2, name="avg_pool")(x)
    x = L.Conv2D(4, 3, name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(3, name="dense")(x)
    model = keras.Model(inp, x, name="avgpool_first")
    cal = images_uint8(rng, 32, (10, 10, 1))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (10, 10, 1)), qparams={})
