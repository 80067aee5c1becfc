"""tf_keras float inference throughput on the same inputs as bench-float (reference side).

Usage: python tf_bench.py <corpus dir> <case> <batch> [seconds]
Prints one JSON object: {"case", "batch", "call_sps", "predict_sps"} (samples per second of
`model(x, training=False)` and of `model.predict(x)`).
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tf_keras  # noqa: E402


def throughput(fn, batch, seconds):
    fn()  # warm-up (graph tracing, allocation)
    fn()
    runs, start = 0, time.perf_counter()
    while True:
        fn()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and runs >= 3:
            return runs * batch / elapsed


def main():
    corpus, case, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    model = tf_keras.models.load_model(os.path.join(corpus, case, "model.h5"), compile=False)
    inputs = np.load(os.path.join(corpus, case, "inputs.npy"))
    x = np.concatenate([inputs] * (batch // len(inputs) + 1))[:batch]
    call = throughput(lambda: model(x, training=False), batch, seconds)
    predict = throughput(lambda: model.predict(x, verbose=0, batch_size=batch), batch, seconds)
    print(json.dumps({"case": case, "batch": batch, "call_sps": call, "predict_sps": predict}))


if __name__ == "__main__":
    main()
