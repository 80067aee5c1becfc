# Corpus cases for tf_keras.applications graphs (issue 9 item 4), made with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/applications_cases.py --only app_mobilenetv3_small --out /tmp/zoo
# Small inputs, few classes, random weights: every case records float outputs, where QuantizeML
# stops quantizing (Dequantizer + float tail) and what conversion makes of it (or its refusal).

import tf_keras.applications as _apps


def _app_spec(model, rng, shape, n_cal=8, n_inputs=4):
    cal = images_float255(rng, n_cal, shape)
    _finish(model, rng, cal)
    return Spec(model, cal, images_float255(rng, n_inputs, shape), qparams={}, targets=("v2",))


@case("app_mobilenetv3_small", "holdout",
      "tf_keras.applications.MobileNetV3Small(32x32x3, alpha 0.75, minimalistic=False, 4 classes, "
      "with preprocessing): TFOpLambda, hard_swish, squeeze-excite Multiply")
def _app_mobilenetv3_small(rng):
    model = _apps.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.75, weights=None, classes=4,
                                   include_preprocessing=True, dropout_rate=0.0)
    return _app_spec(model, rng, (32, 32, 3))


@case("app_resnet50", "holdout",
      "tf_keras.applications.ResNet50(32x32x3, 4 classes): ZeroPadding, Conv+BN, Add, MaxPool, GAP, Dense")
def _app_resnet50(rng):
    model = _apps.ResNet50(input_shape=(32, 32, 3), weights=None, classes=4)
    return _app_spec(model, rng, (32, 32, 3))


@case("app_efficientnet_b0", "holdout",
      "tf_keras.applications.EfficientNetB0(32x32x3, 4 classes): Rescaling, Normalization, swish, "
      "squeeze-excite Multiply")
def _app_efficientnet_b0(rng):
    model = _apps.EfficientNetB0(input_shape=(32, 32, 3), weights=None, classes=4)
    return _app_spec(model, rng, (32, 32, 3))


@case("app_densenet121", "holdout",
      "tf_keras.applications.DenseNet121(32x32x3, 4 classes): Concatenate, AveragePooling2D")
def _app_densenet121(rng):
    model = _apps.DenseNet121(input_shape=(32, 32, 3), weights=None, classes=4)
    return _app_spec(model, rng, (32, 32, 3))


@case("app_mobilenetv3_tiny", "holdout",
      "tf_keras.applications.MobileNetV3Small(32x32x3, alpha 0.25, 4 classes, with preprocessing): hard-swish "
      "rebuilt as Activation('hard_silu'), quantization stops at the first squeeze-excite TFOpLambda")
def _app_mobilenetv3_tiny(rng):
    model = _apps.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.25, weights=None, classes=4,
                                   include_preprocessing=True, dropout_rate=0.0)
    return _app_spec(model, rng, (32, 32, 3), n_cal=4, n_inputs=2)


# Small members of the same families, built with the applications' own builders (the named models
# above are 10-150 MB): the same layer patterns at corpus size.
import tf_keras.src.applications.resnet as _resnet
import tf_keras.src.applications.efficientnet as _efficientnet
import tf_keras.src.applications.densenet as _densenet


@case("app_resnet_small", "holdout",
      "tf_keras.applications ResNet builder (ResNet50's stem and bottleneck stack1, one stack of 2 blocks "
      "of 8 filters), 32x32x3, 4 classes: quantization stops at pool1_pad (ZeroPadding2D)")
def _app_resnet_small(rng):
    model = _resnet.ResNet(lambda x: _resnet.stack1(x, 8, 2, name="conv2"), False, True, "resnet_small",
                           weights=None, input_shape=(32, 32, 3), classes=4)
    return _app_spec(model, rng, (32, 32, 3), n_cal=4, n_inputs=2)


@case("app_efficientnet_small", "holdout",
      "tf_keras.applications EfficientNet builder (width 0.1, depth 0.1), 32x32x3, 4 classes: Rescaling, "
      "Normalization, swish, sigmoid squeeze-excite Multiply; QuantizeML refuses the uint8 input",
      )
def _app_efficientnet_small(rng):
    model = _efficientnet.EfficientNet(0.1, 0.1, 32, model_name="efficientnet_small", weights=None,
                                       input_shape=(32, 32, 3), classes=4)
    spec = _app_spec(model, rng, (32, 32, 3), n_cal=4, n_inputs=2)
    spec.negative = {"stage": "quantize",
                     "reason": "QuantizeML refuses an unsigned input before a Normalization layer; float "
                               "outputs are valid and must be matched."}
    return spec


@case("app_densenet_small", "holdout",
      "tf_keras.applications DenseNet builder (blocks [1, 1, 1, 1]), 32x32x3, 4 classes: Concatenate, "
      "AveragePooling2D transitions")
def _app_densenet_small(rng):
    model = _densenet.DenseNet([1, 1, 1, 1], True, weights=None, input_shape=(32, 32, 3), classes=4)
    return _app_spec(model, rng, (32, 32, 3), n_cal=4, n_inputs=2)
