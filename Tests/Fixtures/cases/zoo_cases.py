# Corpus cases for akida_models 1.14.2 architectures (issue 9), built with the model builders' own
# functions at small input sizes, few classes and random weights, made with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/zoo_cases.py --only zoo_unet_portrait,zoo_centernet --out /tmp/zoo
# and copied into Tests/Fixtures/corpus only when every stage passes.

import akida_models.centernet.model_centernet as _centernet_module
from akida_models.portrait128.model_akida_unet import akida_unet_portrait128 as _akida_unet_portrait128


def _zoo_spec(model, rng, shape, n_cal=16, n_inputs=2, **kwargs):
    cal = images_uint8(rng, n_cal, shape)
    _finish(model, rng, cal)
    return Spec(model, cal, images_uint8(rng, n_inputs, shape), qparams={}, batch_size=16, **kwargs)


@case("zoo_unet_portrait", "holdout",
      "akida_models akida_unet_portrait128((32,32,3), alpha=0.0625): AkidaNet encoder (no top), five "
      "sepconv_transpose blocks (DepthwiseConv2DTranspose + Conv2D + BN + ReLU7.5), Dropout, 1x1 head")
def _zoo_unet_portrait(rng):
    model = _akida_unet_portrait128(input_shape=(32, 32, 3), alpha=0.0625)
    return _zoo_spec(model, rng, (32, 32, 3), targets=("v2",))


@case("zoo_centernet", "holdout",
      "akida_models centernet_base((32,32,3), classes=3, separable_cutoff=8) on an AkidaNet18 backbone "
      "narrowed to dimensions (4,8,16,32): conv/sepconv necks, Conv2DTranspose and "
      "DepthwiseConv2DTranspose (k4, s2) blocks, Add skips, 2-conv head")
def _zoo_centernet(rng):
    # centernet_base always builds akidanet18_imagenet at full width (64..512 filters, several MB):
    # the builder's own `dimensions` argument narrows it; depths stay 4 (the skip names need them).
    full = _centernet_module.akidanet18_imagenet

    def narrow(*args, **kwargs):
        return full(*args, dimensions=(4, 8, 16, 32), **kwargs)

    _centernet_module.akidanet18_imagenet = narrow
    try:
        model = _centernet_module.centernet_base(input_shape=(32, 32, 3), classes=3, separable_cutoff=8)
    finally:
        _centernet_module.akidanet18_imagenet = full
    return _zoo_spec(model, rng, (32, 32, 3), targets=("v2",))


@case("zoo_akidanet", "holdout",
      "akida_models akidanet_imagenet((32,32,3), alpha=0.125, classes=4), default 8-bit")
def _zoo_akidanet(rng):
    model = akida_models.akidanet_imagenet(input_shape=(32, 32, 3), alpha=0.125, classes=4)
    return _zoo_spec(model, rng, (32, 32, 3))


@case("zoo_ds_cnn_kws", "holdout",
      "akida_models ds_cnn_kws((49,10,1), classes=4), default 8-bit")
def _zoo_ds_cnn_kws(rng):
    model = akida_models.ds_cnn_kws(input_shape=(49, 10, 1), classes=4)
    return _zoo_spec(model, rng, (49, 10, 1))


@case("zoo_mobilenet", "holdout",
      "akida_models mobilenet_imagenet((32,32,3), alpha=0.125, classes=4), default 8-bit")
def _zoo_mobilenet(rng):
    model = akida_models.mobilenet_imagenet(input_shape=(32, 32, 3), alpha=0.125, classes=4)
    return _zoo_spec(model, rng, (32, 32, 3))


# The same architectures at another width, seed and bit width (4-bit weights and activations,
# 8-bit input weights), to check the transposed blocks beyond the default 8-bit figures.
@case("zoo_unet_portrait_w4", "holdout",
      "akida_models akida_unet_portrait128((32,32,3), alpha=0.125), 8/4/4 (input weights/weights/activations)")
def _zoo_unet_portrait_w4(rng):
    model = _akida_unet_portrait128(input_shape=(32, 32, 3), alpha=0.125)
    spec = _zoo_spec(model, rng, (32, 32, 3), targets=("v2",))
    spec.qparams = dict(input_weight_bits=8, weight_bits=4, activation_bits=4)
    return spec


@case("zoo_centernet_w4", "holdout",
      "akida_models centernet_base((32,32,3), classes=2, separable_cutoff=16), AkidaNet18 backbone narrowed "
      "to dimensions (8,16,32,32), 8/4/4 (input weights/weights/activations)")
def _zoo_centernet_w4(rng):
    full = _centernet_module.akidanet18_imagenet

    def narrow(*args, **kwargs):
        return full(*args, dimensions=(8, 16, 32, 32), **kwargs)

    _centernet_module.akidanet18_imagenet = narrow
    try:
        model = _centernet_module.centernet_base(input_shape=(32, 32, 3), classes=2, separable_cutoff=16)
    finally:
        _centernet_module.akidanet18_imagenet = full
    spec = _zoo_spec(model, rng, (32, 32, 3), targets=("v2",))
    spec.qparams = dict(input_weight_bits=8, weight_bits=4, activation_bits=4)
    return spec
