# Dumps the quantization recorders cnn2snn reads (after record_quantization_variables) as JSON.
import sys, json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tf_keras as keras
import quantizeml
from quantizeml.models import record_quantization_variables
from quantizeml.layers import Dequantizer, InputQuantizer

def arr(x):
    if x is None: return None
    if hasattr(x, "values") and not isinstance(x, np.ndarray) and not callable(x.values):
        x = x.values
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    flat = x.reshape(-1)
    if flat.dtype.kind == "f" and np.all(np.floor(flat) == flat):
        flat = flat.astype(np.int64)
    return {"shape": list(x.shape), "data": flat.tolist()}

def rec(r):
    return None if r is None else r.value

path, out = sys.argv[1], sys.argv[2]
model = keras.models.load_model(path, compile=False)
record_quantization_variables(model)
res = {}
for l in model.layers:
    d = {}
    for key, attr in (("kernel", "weight_quantizer"), ("depthwise_kernel", "dw_weight_quantizer"), ("pointwise_kernel", "pw_weight_quantizer")):
        q = getattr(l, attr, None)
        if q is not None and getattr(q, "qweights", None) is not None:
            d[key] = arr(q.qweights.value.fp.values)
    bq = getattr(l, "bias_quantizer", None)
    if bq is not None and getattr(l, "use_bias", False):
        d["bias"] = arr(bq.qweights.value.values); d["bias_shift"] = arr(bq.shift.value)
    ins = getattr(l, "input_shift", None)
    if ins is not None and not isinstance(l, (Dequantizer,)):
        d["input_shift"] = arr(ins.value)
    oq = getattr(l, "out_quantizer", None)
    if oq is not None:
        if hasattr(oq, "qscales"): d["output_scales"] = arr(oq.qscales.value.values)
        d["output_shift"] = arr(oq.shift.value)
    mq = getattr(l, "max_value_quantizer", None)
    if mq is not None and getattr(l, "max_value", None) is not None:
        d["max_value"] = arr(mq.qweights.value.values); d["max_value_shift"] = arr(mq.shift.value)
    pq = getattr(l, "padding_value_quantizer", None)
    if pq is not None and getattr(l, "padding_value", None) is not None:
        d["padding_value"] = arr(pq.qweights.value.values)
    if isinstance(l, InputQuantizer):
        d["frac_bits"] = arr(l.frac_bits.value)
        zp = getattr(l, "zero_points", None)
        if zp is not None: d["zero_points"] = arr(zp.value.values)
    if isinstance(l, Dequantizer):
        fb, sc = l.frac_bits, l.scales
        if isinstance(fb, (list, tuple)): fb = fb[0]; sc = sc[0] if sc else None
        d["frac_bits"] = arr(fb.value)
        if sc: d["scales"] = arr(sc.value)
    for k in ("a_shift", "b_shift"):
        if getattr(l, k, None) is not None: d[k] = arr(getattr(l, k).value)
    if d: res[l.name] = d
json.dump(res, open(out, "w"))
