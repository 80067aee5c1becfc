# Held-out instances of every architecture issue 9 lists: the same builders as the other case files,
# at other input sizes, widths, seeds and bit widths, to measure SpikeForge on models its own
# cases never showed it. Made and measured with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/holdout_cases.py --out /tmp/holdout
#   /tmp/ref/bin/python ../shared/tools/fidelity.py /tmp/holdout .build/release/spikeforge --verbose
# Results: docs/fidelity.md. Case names start with "ho_" (one "ho_<architecture>[_<variant>]" each).

import sys as _sys


def _reuse_case_helpers(*files):
    """Run the sibling case files for their helpers (_st_spec, _stateful_spec, _kernelized_spec, ...)
    in this namespace, without registering their cases: their patches of the pipeline then apply."""
    global case
    here = os.path.dirname(os.path.abspath(_sys.argv[_sys.argv.index("--extra-cases") + 1]))
    register = case
    case = lambda *args, **kwargs: (lambda fn: fn)  # noqa: E731
    try:
        for name in files:
            with open(os.path.join(here, name)) as f:
                exec(compile(f.read(), name, "exec"), globals())  # noqa: S102 - our own case files
    finally:
        case = register


_reuse_case_helpers("zoo_cases.py", "applications_cases.py", "tenn_st_cases.py", "tenn_rec_cases.py")

_W4 = dict(input_weight_bits=8, weight_bits=4, activation_bits=4)


def _draw(model, rng, n):
    """n samples for the model's input: uint8 images, small int8 events, or integer-valued floats."""
    shape = tuple(model.input_shape[1:])
    dtype = model.inputs[0].dtype.name
    if dtype == "uint8":
        return images_uint8(rng, n, shape)
    if dtype == "int8":
        return rng.integers(-8, 9, size=(n,) + shape).astype(np.int8)
    return images_float255(rng, n, shape)


def _ho_spec(model, rng, qparams=None, n_cal=16, n_inputs=3, targets=("v2", "v1"), **kwargs):
    cal = _draw(model, rng, n_cal)
    _finish(model, rng, cal)
    return Spec(model, cal, _draw(model, rng, n_inputs), qparams=qparams or {}, batch_size=8,
                targets=targets, **kwargs)


# ---- akida_models zoo -------------------------------------------------------------------------

@case("ho_akidanet", "holdout", "akidanet_imagenet((40,40,3), alpha=0.25, classes=3), 8/4/4")
def _ho_akidanet(rng):
    return _ho_spec(akida_models.akidanet_imagenet(input_shape=(40, 40, 3), alpha=0.25, classes=3), rng, _W4)


@case("ho_akidanet18", "holdout",
      "akidanet18_imagenet((32,32,3), classes=3, depths (2,2,2,2), dimensions (4,8,8,16)), default 8-bit")
def _ho_akidanet18(rng):
    model = akida_models.akidanet18_imagenet(input_shape=(32, 32, 3), classes=3, depths=(2, 2, 2, 2),
                                             dimensions=(4, 8, 8, 16))
    return _ho_spec(model, rng)


@case("ho_akidanet_edge", "holdout",
      "akidanet_edge_imagenet on akidanet_imagenet((32,32,3), alpha=0.25, classes=4), 5 edge classes, "
      "built in the Akida 1.0 context, 8/4/4 per-tensor")
def _ho_akidanet_edge(rng):
    with cnn2snn.set_akida_version(cnn2snn.AkidaVersion.v1):
        base = akida_models.akidanet_imagenet(input_shape=(32, 32, 3), alpha=0.25, classes=4)
        model = akida_models.akidanet_edge_imagenet(base, classes=5)
    return _ho_spec(model, rng, dict(_W4, per_tensor_activations=True))


@case("ho_mobilenet", "holdout", "mobilenet_imagenet((40,40,3), alpha=0.25, classes=3), default 8-bit")
def _ho_mobilenet(rng):
    return _ho_spec(akida_models.mobilenet_imagenet(input_shape=(40, 40, 3), alpha=0.25, classes=3), rng)


@case("ho_mobilenet_w4", "holdout", "mobilenet_imagenet((32,32,3), alpha=0.5, classes=2), 8/4/4")
def _ho_mobilenet_w4(rng):
    return _ho_spec(akida_models.mobilenet_imagenet(input_shape=(32, 32, 3), alpha=0.5, classes=2), rng, _W4)


@case("ho_ds_cnn_kws", "holdout", "ds_cnn_kws((32,12,1), classes=6), 8/4/4")
def _ho_ds_cnn_kws(rng):
    return _ho_spec(akida_models.ds_cnn_kws(input_shape=(32, 12, 1), classes=6), rng, _W4)


@case("ho_vgg_utk_face", "holdout", "vgg_utk_face((24,24,3)), default 8-bit")
def _ho_vgg_utk_face(rng):
    return _ho_spec(akida_models.vgg_utk_face(input_shape=(24, 24, 3)), rng)


@case("ho_gxnor_mnist", "holdout", "gxnor_mnist() (28x28x1), 8/4/4 per-tensor")
def _ho_gxnor_mnist(rng):
    return _ho_spec(akida_models.gxnor_mnist(), rng, dict(_W4, per_tensor_activations=True))


@case("ho_convtiny_dvs", "holdout", "convtiny_dvs((24,24,4), classes=3), int8 events, default 8-bit")
def _ho_convtiny_dvs(rng):
    return _ho_spec(akida_models.convtiny_dvs(input_shape=(24, 24, 4), classes=3), rng)


@case("ho_pointnet_plus", "holdout",
      "pointnet_plus_modelnet40(selected_points=32, knn_points=16, classes=5, alpha=0.5), default 8-bit")
def _ho_pointnet_plus(rng):
    model = akida_models.pointnet_plus_modelnet40(selected_points=32, features=3, knn_points=16, classes=5,
                                                  alpha=0.5)
    return _ho_spec(model, rng)


@case("ho_yolo_base", "holdout", "yolo_base((48,48,3), classes=2, nb_box=3, alpha=0.25), 8/4/4")
def _ho_yolo_base(rng):
    return _ho_spec(akida_models.yolo_base(input_shape=(48, 48, 3), classes=2, nb_box=3, alpha=0.25), rng, _W4)


@case("ho_unet_portrait", "holdout", "akida_unet_portrait128((64,64,3), alpha=0.0625), default 8-bit")
def _ho_unet_portrait(rng):
    model = _akida_unet_portrait128(input_shape=(64, 64, 3), alpha=0.0625)
    return _ho_spec(model, rng, n_cal=8, n_inputs=2, targets=("v2",))


def _narrow_centernet(dimensions, **kwargs):
    full = _centernet_module.akidanet18_imagenet

    def narrow(*args, **kw):
        return full(*args, dimensions=dimensions, **kw)

    _centernet_module.akidanet18_imagenet = narrow
    try:
        return _centernet_module.centernet_base(**kwargs)
    finally:
        _centernet_module.akidanet18_imagenet = full


@case("ho_centernet", "holdout",
      "centernet_base((64,64,3), classes=4, separable_cutoff=16), AkidaNet18 backbone dimensions (4,8,8,16)")
def _ho_centernet(rng):
    model = _narrow_centernet((4, 8, 8, 16), input_shape=(64, 64, 3), classes=4, separable_cutoff=16)
    return _ho_spec(model, rng, n_cal=8, n_inputs=2, targets=("v2",))


# ---- spatio-temporal TENNs: Conv3D form (float, refusal) and streaming form ----------------------

@case("ho_tenn_st_dvs128", "holdout", "tenn_spatiotemporal_dvs128(input_length=3, (12,12,2), classes=2)")
def _ho_tenn_st_dvs128(rng):
    return _st_spec(_dvs128(input_length=3, input_shape=(12, 12, 2), num_classes=2), rng, _int8, 3, False)


@case("ho_tenn_st_dvs128_stream", "holdout",
      "tenn_spatiotemporal_dvs128(input_length=5, (20,12,2), classes=4) streaming form, default 8-bit")
def _ho_tenn_st_dvs128_stream(rng):
    return _st_spec(_dvs128(input_length=5, input_shape=(20, 12, 2), num_classes=4), rng, _int8, 5, True,
                    n_cal_steps=3, batch=2, n_inputs=3)


@case("ho_tenn_st_eye", "holdout", "tenn_spatiotemporal_eye(input_length=3, (8,12,2), reg_factor=1e-6)")
def _ho_tenn_st_eye(rng):
    return _st_spec(_eye(input_length=3, input_shape=(8, 12, 2), reg_factor=1e-6), rng, _int8, 3, False)


@case("ho_tenn_st_eye_stream_w4", "holdout",
      "tenn_spatiotemporal_eye(input_length=3, (12,12,2)) streaming form, 8/4/4")
def _ho_tenn_st_eye_stream_w4(rng):
    spec = _st_spec(_eye(input_length=3, input_shape=(12, 12, 2)), rng, _int8, 3, True, n_cal_steps=2, batch=2)
    spec.qparams = dict(_W4)
    return spec


@case("ho_tenn_st_jester", "holdout", "tenn_spatiotemporal_jester(input_shape=(3,12,12,3), n_classes=2)")
def _ho_tenn_st_jester(rng):
    return _st_spec(_jester(input_shape=(3, 12, 12, 3), n_classes=2), rng, _uint8, 3, False)


@case("ho_tenn_st_jester_stream", "holdout",
      "tenn_spatiotemporal_jester(input_shape=(5,20,20,3), n_classes=4) streaming form, default 8-bit")
def _ho_tenn_st_jester_stream(rng):
    return _st_spec(_jester(input_shape=(5, 20, 20, 3), n_classes=4), rng, _uint8, 5, True, n_inputs=3)


# ---- recurrent TENNs: training form and stateful form ---------------------------------------------
# (sc12 and uored need 512 input steps or more: their last Kernelized layer would otherwise see one step.)

@case("ho_tenn_rec_sc12", "holdout", "tenn_recurrent_sc12((1024,1), num_classes=3), training form")
def _ho_tenn_rec_sc12(rng):
    return _kernelized_spec(tenn_recurrent_sc12(input_shape=(1024, 1), num_classes=3), rng, 1024)


@case("ho_tenn_rec_uored", "holdout", "tenn_recurrent_uored((1024,1), num_classes=5), training form")
def _ho_tenn_rec_uored(rng):
    return _kernelized_spec(tenn_recurrent_uored(input_shape=(1024, 1), num_classes=5), rng, 1024)


@case("ho_tenn_rec_sc12_stateful", "holdout",
      "tenn_recurrent_sc12((512,1), num_classes=3) stateful (timesteps=256, batch 2), 2 segments, 8/4/4")
def _ho_tenn_rec_sc12_stateful(rng):
    return _stateful_spec(tenn_recurrent_sc12(input_shape=(512, 1), num_classes=3), rng, 512, 256,
                          qparams=dict(_W4))


@case("ho_tenn_rec_uored_stateful", "holdout",
      "tenn_recurrent_uored((768,1), num_classes=4) stateful (timesteps=256, batch 1), 3 segments, 8-bit")
def _ho_tenn_rec_uored_stateful(rng):
    return _stateful_spec(tenn_recurrent_uored(input_shape=(768, 1), num_classes=4), rng, 768, 256,
                          n_inputs=1, segments=3)


# ---- tf_keras.applications ------------------------------------------------------------------------

def _ho_app(model, rng, qparams=None, n_cal=4, n_inputs=2):
    spec = _app_spec(model, rng, tuple(model.input_shape[1:]), n_cal=n_cal, n_inputs=n_inputs)
    spec.qparams = qparams or {}
    return spec


@case("ho_app_mobilenet", "holdout", "tf_keras.applications.MobileNet((40,40,3), alpha 0.25, 3 classes), 8/4/4")
def _ho_app_mobilenet(rng):
    return _ho_app(_apps.MobileNet(input_shape=(40, 40, 3), alpha=0.25, weights=None, classes=3), rng, _W4)


@case("ho_app_mobilenetv2", "holdout", "tf_keras.applications.MobileNetV2((32,32,3), alpha 0.35, 3 classes)")
def _ho_app_mobilenetv2(rng):
    return _ho_app(_apps.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=3), rng)


@case("ho_app_mobilenetv3_small", "holdout",
      "tf_keras.applications.MobileNetV3Small((40,40,3), alpha 0.5, 3 classes, preprocessing)")
def _ho_app_mobilenetv3_small(rng):
    model = _apps.MobileNetV3Small(input_shape=(40, 40, 3), alpha=0.5, weights=None, classes=3,
                                   include_preprocessing=True, dropout_rate=0.0)
    return _ho_app(model, rng)


@case("ho_app_mobilenetv3_small_min", "holdout",
      "tf_keras.applications.MobileNetV3Small((32,32,3), alpha 0.75, minimalistic, no preprocessing), 8/4/4")
def _ho_app_mobilenetv3_small_min(rng):
    model = _apps.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.75, minimalistic=True, weights=None,
                                   classes=3, include_preprocessing=False, dropout_rate=0.0)
    return _ho_app(model, rng, _W4)


@case("ho_app_mobilenetv3_large", "holdout",
      "tf_keras.applications.MobileNetV3Large((32,32,3), alpha 0.75, 3 classes, preprocessing)")
def _ho_app_mobilenetv3_large(rng):
    model = _apps.MobileNetV3Large(input_shape=(32, 32, 3), alpha=0.75, weights=None, classes=3,
                                   include_preprocessing=True, dropout_rate=0.0)
    return _ho_app(model, rng)


@case("ho_app_resnet50", "holdout", "tf_keras.applications.ResNet50((40,40,3), 3 classes)")
def _ho_app_resnet50(rng):
    return _ho_app(_apps.ResNet50(input_shape=(40, 40, 3), weights=None, classes=3), rng, n_cal=2)


@case("ho_app_resnet_small", "holdout",
      "ResNet builder: stem + stack1(6 filters, 1 block) + stack1(8 filters, 2 blocks), (40,40,3), 8/4/4")
def _ho_app_resnet_small(rng):
    def stacks(x):
        return _resnet.stack1(_resnet.stack1(x, 6, 1, stride1=1, name="conv2"), 8, 2, name="conv3")

    model = _resnet.ResNet(stacks, False, True, "resnet_ho", weights=None, input_shape=(40, 40, 3), classes=3)
    return _ho_app(model, rng, _W4)


@case("ho_app_efficientnet_b0", "holdout", "tf_keras.applications.EfficientNetB0((40,40,3), 3 classes)")
def _ho_app_efficientnet_b0(rng):
    return _ho_app(_apps.EfficientNetB0(input_shape=(40, 40, 3), weights=None, classes=3), rng, n_cal=2)


@case("ho_app_efficientnet_small", "holdout", "EfficientNet builder (width 0.2, depth 0.2), (40,40,3)")
def _ho_app_efficientnet_small(rng):
    model = _efficientnet.EfficientNet(0.2, 0.2, 40, model_name="efficientnet_ho", weights=None,
                                       input_shape=(40, 40, 3), classes=3)
    return _ho_app(model, rng)


@case("ho_app_densenet121", "holdout", "tf_keras.applications.DenseNet121((32,32,3), 3 classes)")
def _ho_app_densenet121(rng):
    return _ho_app(_apps.DenseNet121(input_shape=(32, 32, 3), weights=None, classes=3), rng, n_cal=2)


@case("ho_app_densenet_small", "holdout", "DenseNet builder (blocks [2, 1, 2, 1]), (40,40,3), 8/4/4")
def _ho_app_densenet_small(rng):
    model = _densenet.DenseNet([2, 1, 2, 1], True, weights=None, input_shape=(40, 40, 3), classes=3)
    return _ho_app(model, rng, _W4)


# ---- plain Conv2DTranspose --------------------------------------------------------------------------

@case("ho_transpose", "holdout",
      "uint8 input (10,6,2), Conv2D(6,3,s2,same)+ReLU, Conv2DTranspose(5,2,s2,same)+BN+ReLU6, Conv2D(3,1); 8/4/4")
def _ho_transpose(rng):
    inp, x = _uint8_stem((10, 6, 2))
    x = L.Conv2D(6, 3, strides=2, padding="same", name="conv_0")(x)
    x = L.ReLU(name="relu_0")(x)
    x = L.Conv2DTranspose(5, 2, strides=2, padding="same", name="conv_t")(x)
    x = L.BatchNormalization(name="bn_t")(x)
    x = L.ReLU(6.0, name="relu_t")(x)
    x = L.Conv2D(3, 1, name="conv_out")(x)
    model = keras.Model(inp, x, name="ho_transpose")
    return _ho_spec(model, rng, _W4, n_cal=32, n_inputs=4, targets=("v2",))
