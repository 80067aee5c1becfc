"""Times quantizeml.models.quantize on a corpus case (same arguments as its meta.json).

Usage: python quantizeml_quantize.py <corpus case dir>
Prints one line: case, wall seconds of quantize (+ calibration), peak RSS in MiB (whole
process, TensorFlow included) and the RSS before quantize for comparison.
"""
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import tf_keras
from quantizeml.layers import QuantizationParams
from quantizeml.models import quantize

case = Path(sys.argv[1])
meta = json.loads((case / "meta.json").read_text())
args = meta["quantize_args"]
model = tf_keras.models.load_model(case / "model.h5", compile=False)
samples = np.load(case / args["samples"])
q_config = json.loads((case / args["q_config"]).read_text()) if args.get("q_config") else None
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
quantize(model, q_config=q_config, qparams=QuantizationParams(**args["qparams"]), samples=samples,
         num_samples=args["num_samples"], batch_size=args["batch_size"], epochs=args["epochs"])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"quantizeml {case.name}: {elapsed:.2f} s, peak RSS {peak:.0f} MiB (before quantize {before:.0f} MiB)")
