# Corpus cases for akida_models' recurrent TENNs (issue 9 item 2): tenn_recurrent_uored and
# tenn_recurrent_sc12 as built (Kernelized, Stride, BatchNormalization, ReLU, SpatialDropout1D,
# GlobalAveragePooling1D) and after akida_models' convert_to_stateful (StatefulProjection,
# StatefulRecurrent, ExtractToken), at small sequence lengths, random weights. Made with
#   /tmp/ref/bin/python ../shared/tools/make_corpus.py --set holdout \
#       --extra-cases Tests/Fixtures/cases/tenn_rec_cases.py --only tenn_rec_uored,... --out /tmp/tenn_rec
#
# The stateful models keep a state across calls. make_corpus's generic pipeline calls
# `Model.predict` (which the quantized stateful layers cannot run in graph mode) and runs a
# model several times, so for these cases every Keras `predict` of a model holding a
# StatefulRecurrent layer is one eager call from the zero state, and the per-layer dump starts
# from the zero state too: every Keras output recorded is "one call on a fresh model", the same
# as a fresh SpikeForge process. akida's own outputs are left as akida gives them (a fresh
# converted model, whose batch runs as one time sequence).

from akida_models.tenn_recurrent.model_tenn_recurrent import tenn_recurrent_sc12, tenn_recurrent_uored
from akida_models.tenn_recurrent.convert_recurrent import convert_to_stateful


def _patch_stateful_runs():
    from quantizeml.layers import StatefulRecurrent, reset_states

    def stateful(model):
        return any(isinstance(layer, StatefulRecurrent) for layer in model.layers)

    original_predict = keras.Model.predict

    def predict(self, x, *args, **kwargs):
        if not stateful(self):
            return original_predict(self, x, *args, **kwargs)
        reset_states(self)
        out = self(x, training=False)
        return out.numpy() if hasattr(out, "numpy") else np.asarray(out)

    keras.Model.predict = predict
    original_dump = globals()["quant_layer_outputs"]

    def dump_from_zero_state(qmodel, x):
        reset_states(qmodel)
        return original_dump(qmodel, x)

    globals()["quant_layer_outputs"] = dump_from_zero_state


def _int16_signal(rng, n, length):
    """A smooth int16 signal (random sinusoids plus noise) using a good part of the int16 range."""
    t = np.arange(length)[None, :]
    freq = rng.uniform(0.005, 0.08, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    amp = rng.uniform(4000, 16000, (n, 1))
    x = amp * np.sin(2 * np.pi * freq * t + phase) + rng.normal(0, 1500, (n, length))
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)[..., None]


def _kernelized_spec(model, rng, length, n_cal=4, n_inputs=2):
    cal = _int16_signal(rng, n_cal, length)
    _finish(model, rng, cal)
    return Spec(model, cal, _int16_signal(rng, n_inputs, length), qparams={}, batch_size=2,
                targets=("v2",))


def _stateful_spec(model, rng, length, timesteps, n_inputs=2, segments=2, n_cal=4, qparams=None):
    """The training-form model with BN statistics, made stateful for `timesteps` steps and a batch
    of `n_inputs` sequences; calibration samples hold `segments` consecutive input lengths."""
    from quantizeml.layers import update_batch_size
    _patch_stateful_runs()
    _finish(model, rng, _int16_signal(rng, n_cal, length))
    stateful = update_batch_size(convert_to_stateful(model, timesteps=timesteps), n_inputs)
    cal = _int16_signal(rng, n_cal, timesteps * segments)
    return Spec(stateful, cal, _int16_signal(rng, n_inputs, timesteps), qparams=qparams or {},
                batch_size=2, targets=("v2",),
                notes=["Stateful model: each Keras output is one call from the zero state; akida "
                       "runs the batch as one time sequence (sample i starts from the state "
                       "sample i-1 left).",
                       f"Calibration samples are {segments} consecutive segments of the model's "
                       f"{timesteps} timesteps: quantizeml calibrates them segment by segment, "
                       "carrying the states."])


@case("tenn_rec_uored", "holdout",
      "akida_models tenn_recurrent_uored((512,1), num_classes=3), training form (Kernelized, Stride, BN, "
      "ReLU, SpatialDropout1D, GlobalAveragePooling1D): quantizeml quantizes the Rescaling only; "
      "CNN2SNN refuses the 3-D input")
def _tenn_rec_uored(rng):
    return _kernelized_spec(tenn_recurrent_uored(input_shape=(512, 1), num_classes=3), rng, 512)


@case("tenn_rec_uored_stateful", "holdout",
      "tenn_rec_uored after convert_to_stateful(timesteps=256), batch 2: StatefulProjection, "
      "StatefulRecurrent, ExtractToken; default 8-bit; Akida 2.0 StatefulRecurrent layers")
def _tenn_rec_uored_stateful(rng):
    return _stateful_spec(tenn_recurrent_uored(input_shape=(512, 1), num_classes=3), rng, 512, 256)


@case("tenn_rec_sc12_stateful", "holdout",
      "akida_models tenn_recurrent_sc12((512,1), num_classes=4) after convert_to_stateful(timesteps=512), "
      "batch 1, 3 calibration segments; default 8-bit")
def _tenn_rec_sc12_stateful(rng):
    return _stateful_spec(tenn_recurrent_sc12(input_shape=(512, 1), num_classes=4), rng, 512, 512,
                          n_inputs=1, segments=3)


@case("tenn_rec_sc12", "holdout",
      "akida_models tenn_recurrent_sc12((512,1), num_classes=4), training form; CNN2SNN refuses it")
def _tenn_rec_sc12(rng):
    return _kernelized_spec(tenn_recurrent_sc12(input_shape=(512, 1), num_classes=4), rng, 512)


@case("tenn_rec_uored_stateful_w4", "holdout",
      "tenn_recurrent_uored((1024,1), num_classes=2) stateful (timesteps=256, batch 3), 8/4/4 "
      "(input weights/weights/activations)")
def _tenn_rec_uored_stateful_w4(rng):
    return _stateful_spec(tenn_recurrent_uored(input_shape=(1024, 1), num_classes=2), rng, 1024, 256,
                          n_inputs=3, qparams=dict(input_weight_bits=8, weight_bits=4, activation_bits=4))
