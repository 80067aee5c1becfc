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

let args = CommandLine.arguments
if args.count == 2 && args[1] == "--paths" {
    print(KernelPath.supported.map(\.rawValue).joined(separator: " "))
    exit(0)
}
guard args.count >= 4, let batch = Int(args[3]), batch > 0 else {
    fail("usage: bench-quantized <quantized.h5> <inputs.npy> <batch> [seconds] [threads]")
}
let seconds = args.count > 4 ? Double(args[4]) ?? 3 : 3
let threads = args.count > 5 ? Int(args[5]) ?? 0 : 0
do {
    let model = try QuantizedModel(file: KerasH5.read(URL(fileURLWithPath: args[1])))
    let samples = try NPY.read(contentsOf: URL(fileURLWithPath: args[2]))
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
