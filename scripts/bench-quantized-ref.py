"""quantizeml's own predict throughput on a quantized .h5, for comparison with bench-quantized.

Usage: python bench-quantized-ref.py <quantized.h5> <inputs.npy> <batch> [seconds]
Model loading and the first (tracing) predict are excluded. `model.predict(x)` runs with Keras'
default batch_size, as a user's call does. Prints: "<samples/s wall> <samples per CPU-second>
<batches run>".
"""
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import quantizeml  # noqa: E402,F401  (registers the quantized layers with Keras)
import tf_keras as keras  # noqa: E402

model_path, inputs_path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
model = keras.models.load_model(model_path, compile=False)
samples = np.load(inputs_path)
x = np.ascontiguousarray(samples[np.arange(batch) % len(samples)])
model.predict(x, verbose=0)


def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


runs, start, cpu_start = 0, time.perf_counter(), cpu()
while True:
    model.predict(x, verbose=0)
    runs += 1
    if time.perf_counter() - start >= seconds:
        break
elapsed, cpu_used = time.perf_counter() - start, cpu() - cpu_start
print(f"{runs * batch / elapsed:.1f} {runs * batch / cpu_used:.1f} {runs}")
