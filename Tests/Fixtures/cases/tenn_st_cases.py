# Corpus cases for akida_models 1.14.2 spatio-temporal TENNs (issue 9 item 1), built with the model
# builders at small inputs and random weights, made with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/tenn_st_cases.py --only tenn_st_dvs128,... --out /tmp/tenn_st
#
# Two forms per architecture:
# - "<arch>": the Conv3D form as built, 5-D inputs (N, T, H, W, C). quantize() turns it into the
#   streaming form (quantizeml's replace_conv3d) and then refuses the 5-D calibration samples.
# - "<arch>_stream": the streaming form (replace_conv3d), 4-D inputs (N, H, W, C): Keras runs the N
#   samples as N independent streams at their first time step (empty FIFOs), akida runs them as one
#   time sequence, so only the first sample of the Akida output corresponds to the Keras output.
#
# Stateful layers keep their FIFO across calls (Keras and akida alike), and the generic pipeline
# calls a model several times. So that every recorded output starts from the freshly loaded state
# (as a fresh SpikeForge process does), these cases reset the Keras FIFOs before the per-layer dump
# and run every akida call on a fresh copy of the converted model (notes in meta.json say so).

from akida_models.tenn_spatiotemporal.model_tenn_spatiotemporal import (
    tenn_spatiotemporal_dvs128 as _dvs128, tenn_spatiotemporal_eye as _eye,
    tenn_spatiotemporal_jester as _jester)

_STATE_NOTE = ("stateful streaming model: every recorded output starts from a fresh state (Keras FIFOs "
               "reset before the per-layer dump; each akida forward/predict on a fresh copy)")


class _FreshAkida:
    """An akida model whose forward/predict each run a fresh copy (FIFOs empty)."""

    def __init__(self, model):
        self._model = model

    def _fresh(self):
        return akida.Model.from_dict(self._model.to_dict())

    def forward(self, x):
        return self._fresh().forward(x)

    def predict(self, x):
        return self._fresh().predict(x)

    def __getattr__(self, name):
        return getattr(self._model, name)


class _FreshConvert:
    """cnn2snn with convert() returning _FreshAkida models."""

    def __init__(self, module):
        self._module = module

    def convert(self, *args, **kwargs):
        return _FreshAkida(self._module.convert(*args, **kwargs))

    def __getattr__(self, name):
        return getattr(self._module, name)


def _stateful_recording():
    """Patch this worker's pipeline so that stateful models are recorded from a fresh state."""
    global cnn2snn, quant_layer_outputs, akida_layer_outputs
    from quantizeml.models import reset_buffers
    if not isinstance(cnn2snn, _FreshConvert):
        cnn2snn = _FreshConvert(cnn2snn)
        plain_dump = quant_layer_outputs

        def dump_from_fresh_state(qmodel, x):
            reset_buffers(qmodel)
            return plain_dump(qmodel, x)

        quant_layer_outputs = dump_from_fresh_state
        plain_akida_dump = akida_layer_outputs
        akida_layer_outputs = lambda model, x: plain_akida_dump(getattr(model, "_model", model), x)  # noqa: E731


def _int8(rng, shape):
    return rng.integers(-8, 9, size=shape).astype(np.int8)


def _uint8(rng, shape):
    return rng.integers(0, 256, size=shape).astype(np.uint8)


def _st_spec(model, rng, sample, frames, stream, n_cal_steps=2, batch=4, n_inputs=4):
    """Conv3D form (stream=False) or its streaming form; `sample(rng, shape)` draws inputs."""
    from quantizeml.models.transforms import replace_conv3d
    spatial = tuple(model.input_shape[2:])
    # BatchNormalization statistics from a few clips of the Conv3D form.
    _finish(model, rng, sample(rng, (8, frames) + spatial).astype(np.float32))
    if not stream:
        return Spec(model, sample(rng, (batch, frames) + spatial), sample(rng, (2, frames) + spatial),
                    qparams={}, batch_size=batch, targets=("v2",))
    _stateful_recording()
    streaming = replace_conv3d(model)
    # Calibration: `batch` streams of n_cal_steps time steps, time-major as quantizeml expects.
    cal = sample(rng, (batch * n_cal_steps,) + spatial)
    return Spec(streaming, cal, sample(rng, (n_inputs,) + spatial), qparams={}, batch_size=batch,
                targets=("v2",), notes=[_STATE_NOTE])


@case("tenn_st_dvs128", "holdout",
      "akida_models tenn_spatiotemporal_dvs128(input_length=4, input_shape=(16,16,2), num_classes=3), "
      "Conv3D form: float, quantize refused (5-D calibration samples after replace_conv3d)")
def _tenn_st_dvs128(rng):
    return _st_spec(_dvs128(input_length=4, input_shape=(16, 16, 2), num_classes=3), rng, _int8, 4, False)


@case("tenn_st_dvs128_stream", "holdout",
      "tenn_spatiotemporal_dvs128((16,16,2), classes=3) in its streaming form (quantizeml replace_conv3d): "
      "BufferTempConv / DepthwiseBufferTempConv, 8-bit, Akida 2.0", seed_name="tenn_st_dvs128")
def _tenn_st_dvs128_stream(rng):
    return _st_spec(_dvs128(input_length=4, input_shape=(16, 16, 2), num_classes=3), rng, _int8, 4, True)


@case("tenn_st_eye", "holdout",
      "akida_models tenn_spatiotemporal_eye(input_length=4, input_shape=(12,16,2), reg_factor=1e-8), "
      "Conv3D form with ActivityRegularization")
def _tenn_st_eye(rng):
    return _st_spec(_eye(input_length=4, input_shape=(12, 16, 2), reg_factor=1e-8), rng, _int8, 4, False)


@case("tenn_st_eye_stream", "holdout",
      "tenn_spatiotemporal_eye((12,16,2), reg_factor=1e-8) streaming form, 8-bit, Akida 2.0",
      seed_name="tenn_st_eye")
def _tenn_st_eye_stream(rng):
    return _st_spec(_eye(input_length=4, input_shape=(12, 16, 2), reg_factor=1e-8), rng, _int8, 4, True)


@case("tenn_st_jester", "holdout",
      "akida_models tenn_spatiotemporal_jester(input_shape=(4,16,16,3), n_classes=3), Conv3D form")
def _tenn_st_jester(rng):
    return _st_spec(_jester(input_shape=(4, 16, 16, 3), n_classes=3), rng, _uint8, 4, False)


@case("tenn_st_jester_stream", "holdout",
      "tenn_spatiotemporal_jester((4,16,16,3), classes=3) streaming form, 8-bit, Akida 2.0",
      seed_name="tenn_st_jester")
def _tenn_st_jester_stream(rng):
    return _st_spec(_jester(input_shape=(4, 16, 16, 3), n_classes=3), rng, _uint8, 4, True)


# Other sizes, seeds and bit widths, to check the implementation beyond the default 8-bit figures.
@case("tenn_st_dvs128_stream_w4", "holdout",
      "tenn_spatiotemporal_dvs128(input_length=3, (12,20,2), classes=5) streaming form, 8/4/4 "
      "(input weights/weights/activations), 3 calibration steps of 2 streams")
def _tenn_st_dvs128_stream_w4(rng):
    spec = _st_spec(_dvs128(input_length=3, input_shape=(12, 20, 2), num_classes=5), rng, _int8, 3, True,
                    n_cal_steps=3, batch=2, n_inputs=5)
    spec.qparams = dict(input_weight_bits=8, weight_bits=4, activation_bits=4)
    return spec


@case("tenn_st_eye_stream_w4", "holdout",
      "tenn_spatiotemporal_eye((10,14,2), reg_factor=None) streaming form, 8/4/4, per-tensor activations")
def _tenn_st_eye_stream_w4(rng):
    spec = _st_spec(_eye(input_length=3, input_shape=(10, 14, 2)), rng, _int8, 3, True, n_cal_steps=2, batch=3)
    spec.qparams = dict(input_weight_bits=8, weight_bits=4, activation_bits=4, per_tensor_activations=True)
    return spec
