// bench-quantized: quantized-Keras predict throughput (QuantizedEngine, `model.predict` semantics)
// for one .h5 and batch size; model loading and engine construction are excluded.
// Usage: bench-quantized <quantized.h5> <inputs.npy> <batch> [seconds] [threads]
//        bench-quantized --paths   (the kernel paths this CPU runs, fastest first)
// Prints: "<samples/s wall> <samples per CPU-second> <batches run> <kernel path>" (the CPU figure
// is stable when other processes share the cores; SPIKEFORGE_KERNELS forces a path).
// scripts/bench-quantized-predict.sh drives it.
import BenchSupport
import Foundation
import KerasHDF5
import NumPyIO
import Quantization
import Tensors

let arguments = BenchArguments(usage: "bench-quantized <quantized.h5> <inputs.npy> <batch> [seconds] [threads]")
let (batch, seconds, threads) = (arguments.batch, arguments.seconds, arguments.threads)
do {
    let model = try QuantizedModel(file: KerasH5.read(arguments.model))
    let samples = try NPY.read(contentsOf: arguments.inputs)
    let input = try tiledBatch(samples, rows: batch)
    let engine = try QuantizedEngine(model: model)
    let (runs, elapsed, cpu) = try measure(seconds: seconds) {
        _ = try threads > 0 ? engine.predict(input, threads: threads) : engine.predict(input)
    }
    let done = Double(runs * batch)
    print(String(format: "%.1f %.1f %d ", done / elapsed, done / cpu, runs) + KernelPath.active.rawValue)
} catch {
    fail("bench-quantized: \(error)")
}
