"""akida's own predict throughput and peak memory, for comparison with bench-akida.

Usage: python bench-akida-ref.py <akida_v2.json> <inputs.npy> <batch> [seconds]
Prints: "<samples/s wall> <samples per CPU-second> <peak RSS MiB> <batches run>".
"""
import resource
import sys
import time

import akida
import numpy as np

model_path, inputs_path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
model = akida.model_from_json(open(model_path).read())
samples = np.load(inputs_path)
x = np.ascontiguousarray(samples[np.arange(batch) % len(samples)])
model.predict(x)
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


runs, start, cpu_start = 0, time.perf_counter(), cpu()
while True:
    model.predict(x)
    runs += 1
    if time.perf_counter() - start >= seconds:
        break
elapsed, cpu_used = time.perf_counter() - start, cpu() - cpu_start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{runs * batch / elapsed:.1f} {runs * batch / cpu_used:.1f} {peak:.1f} {runs}")
