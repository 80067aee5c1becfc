# Corpus cases for issue 9's smaller gaps (item 5), made with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/gaps_cases.py --only <names> --out /tmp/gaps
# Concatenate of convolution branches (Akida 2.0; Akida 1.0 refuses), input scaling taken from a
# Rescaling layer in legacy CNN2SNN models (Akida 1.0), and the refusal rules MobileNetV3 meets in
# small models. All are in Tests/Fixtures/corpus except legacy_rescaling_data: every stage passes
# but the name of its Akida InputData layer, which cnn2snn takes from a Keras-generated model name
# (`sequential_<n>_input`, n counting the models the Python process built before).


def _concat_model(name, axis):
    inp, x = _uint8_stem((12, 12, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.BatchNormalization(name="bn_0")(x)
    x = L.ReLU(name="relu_0")(x)
    a = L.Conv2D(8, 3, padding="same", name="branch_a")(x)
    a = L.ReLU(name="relu_a")(a)
    b = L.Conv2D(4, 1, name="branch_b")(x)
    b = L.ReLU(name="relu_b")(b)
    x = L.Concatenate(name="concat") if axis is None else L.Concatenate(axis=axis, name="concat")
    x = x([a, b])
    x = L.Conv2D(16, 3, padding="same", name="conv_1")(x)
    x = L.ReLU(name="relu_1")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(5, name="dense")(x)
    return keras.Model(inp, x, name=name)


@case("concat_branches", "holdout",
      "uint8 input, Conv+BN+ReLU, two Conv+ReLU branches joined by Concatenate() (axis -1), Conv+ReLU, "
      "GAP, Dense")
def _concat_branches(rng):
    model = _concat_model("concat_branches", None)
    cal = images_uint8(rng, 64, (12, 12, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (12, 12, 3)), qparams={})


@case("concat_axis3", "holdout",
      "NEGATIVE: as concat_branches with Concatenate(axis=3), 8/4/4: quantizeml joins the per-channel frac bits "
      "on axis 3 and fails")
def _concat_axis3(rng):
    model = _concat_model("concat_axis3", 3)
    cal = images_uint8(rng, 64, (12, 12, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (12, 12, 3)),
                qparams={"input_weight_bits": 8, "weight_bits": 4, "activation_bits": 4},
                negative={"stage": "quantize",
                          "reason": "QuantizedConcatenate concatenates the rank-1 frac bits on axis 3"})


def _legacy_rescaling_model(name, scale, offset, channels=3):
    inp = L.Input((16, 16, channels), name="input")
    x = L.Rescaling(scale, offset=offset, name="rescaling")(inp)
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.BatchNormalization(name="bn_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2D(8, 3, padding="same", name="conv_1")(x)
    x = L.ReLU(name="relu_1")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(4, name="dense")(x)
    return keras.Model(inp, x, name=name)


def _legacy_rescaling_spec(rng, name, scale, offset, channels=3, negative=None):
    model = _legacy_rescaling_model(name, scale, offset, channels)
    cal = images_float255(rng, 64, (16, 16, channels))
    _finish(model, rng, cal)
    inputs = images_float255(rng, 8, (16, 16, channels))
    if channels not in (1, 3):
        inputs = np.floor(inputs / 16)  # Akida InputData takes 4-bit inputs
    return Spec(model, None, inputs, negative=negative,
                legacy=dict(input_weight_quantization=8, weight_quantization=4, activ_quantization=4),
                akida_inputs=inputs.astype(np.uint8), targets=("v1",),
                notes=["Legacy path: cnn2snn.convert takes the input scaling from the leading "
                       "Rescaling layer: (1 / scale, -offset / scale).",
                       "Inputs are integer-valued floats in [0, 255]; inputs_akida.npy is their uint8 cast."])


@case("legacy_rescaling", "holdout",
      "float input, Rescaling(1/255), Conv+BN+ReLU, Conv+ReLU, Flatten, Dense; legacy cnn2snn.quantize(8,4,4)")
def _legacy_rescaling(rng):
    return _legacy_rescaling_spec(rng, "legacy_rescaling", 1.0 / 255, 0.0)


@case("legacy_rescaling_offset", "holdout",
      "as legacy_rescaling with Rescaling(1/127.5, offset=-1): input scaling (127.5, 127.5)")
def _legacy_rescaling_offset(rng):
    return _legacy_rescaling_spec(rng, "legacy_rescaling_offset", 1.0 / 127.5, -1.0)


@case("concat_flatten", "holdout",
      "uint8 input, Conv+ReLU, two Conv+ReLU branches, Concatenate, Flatten, Dense; 8/4/4 per-tensor "
      "(Akida 1.0 has no Concatenate)")
def _concat_flatten(rng):
    inp, x = _uint8_stem((10, 10, 1))
    x = L.Conv2D(4, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    a = L.Conv2D(4, 3, padding="same", name="branch_a")(x)
    a = L.ReLU(name="relu_a")(a)
    b = L.Conv2D(8, 3, padding="same", name="branch_b")(x)
    b = L.ReLU(name="relu_b")(b)
    x = L.Concatenate(name="concat")([a, b])
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(3, name="dense")(x)
    model = keras.Model(inp, x, name="concat_flatten")
    cal = images_uint8(rng, 64, (10, 10, 1))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (10, 10, 1)),
                qparams={"input_weight_bits": 8, "weight_bits": 4, "activation_bits": 4,
                         "per_tensor_activations": True})


@case("concat_three", "holdout",
      "Concatenate of three Conv+ReLU branches (quantizeml joins them two at a time), GAP, Dense")
def _concat_three(rng):
    inp, x = _uint8_stem((8, 8, 3))
    x = L.Conv2D(4, 3, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    branches = []
    for i in range(3):
        y = L.Conv2D(4, 1, name=f"branch_{i}")(x)
        branches.append(L.ReLU(name=f"relu_b{i}")(y))
    x = L.Concatenate(name="concat")(branches)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(3, name="dense")(x)
    model = keras.Model(inp, x, name="concat_three")
    cal = images_uint8(rng, 32, (8, 8, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (8, 8, 3)), qparams={})


@case("neg_dw_relu_gap", "holdout",
      "NEGATIVE for v2: Conv+ReLU, DepthwiseConv2D+ReLU, GAP, Dense (the start of MobileNetV3's "
      "squeeze-excite: no Akida 2.0 block ends a depthwise convolution with a global average pooling)")
def _neg_dw_relu_gap(rng):
    inp, x = _uint8_stem((12, 12, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.DepthwiseConv2D(3, padding="same", name="dw_conv")(x)
    x = L.ReLU(name="relu_dw")(x)
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    x = L.Dense(4, name="dense")(x)
    model = keras.Model(inp, x, name="neg_dw_relu_gap")
    cal = images_uint8(rng, 32, (12, 12, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (12, 12, 3)), qparams={},
                negative={"stage": "convert",
                          "reason": "Akida 2.0: a GlobalAveragePooling2D after a DepthwiseConv2D block is an "
                                    "invalid block (MobileNetV3's squeeze-excite)"})


@case("neg_gap_two_outbounds", "holdout",
      "NEGATIVE for v2: DepthwiseConv2D+ReLU read by a GAP branch and a Flatten branch, Dense each, Add "
      "(as in MobileNetV3's squeeze-excite the GAP starts a block of its own)")
def _neg_gap_two_outbounds(rng):
    inp, x = _uint8_stem((12, 12, 3))
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.DepthwiseConv2D(3, padding="same", name="dw_conv")(x)
    x = L.ReLU(name="relu_dw")(x)
    a = L.GlobalAveragePooling2D(name="se_pool")(x)
    a = L.Dense(4, name="dense_a")(a)
    b = L.Flatten(name="flatten")(x)
    b = L.Dense(4, name="dense_b")(b)
    x = L.Add(name="add")([a, b])
    model = keras.Model(inp, x, name="neg_gap_two_outbounds")
    cal = images_uint8(rng, 32, (12, 12, 3))
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, 8, (12, 12, 3)), qparams={},
                negative={"stage": "convert",
                          "reason": "Akida 2.0: a GlobalAveragePooling2D that starts a block is an invalid block"})


@case("legacy_rescaling_odd", "holdout",
      "as legacy_rescaling with Rescaling(0.0123, offset=-0.4): an input scale and shift float32 cannot hold")
def _legacy_rescaling_odd(rng):
    return _legacy_rescaling_spec(rng, "legacy_rescaling_odd", 0.0123, -0.4)


@case("legacy_rescaling_data", "holdout",
      "as legacy_rescaling on a 2-channel 4-bit input (Akida InputData, then a Conv): Rescaling(1/15) scales "
      "the first convolution")
def _legacy_rescaling_data(rng):
    return _legacy_rescaling_spec(rng, "legacy_rescaling_data", 1.0 / 15, 0.0, channels=2)


@case("legacy_rescaling_data_offset", "holdout",
      "NEGATIVE: a 2-channel legacy model with Rescaling(1/127.5, offset=-1): InputData has no shift")
def _legacy_rescaling_data_offset(rng):
    return _legacy_rescaling_spec(rng, "legacy_rescaling_data_offset", 1.0 / 127.5, -1.0, channels=2,
                                  negative={"stage": "convert",
                                            "reason": "cnn2snn cannot take a Rescaling offset without an "
                                                      "input convolution"})
