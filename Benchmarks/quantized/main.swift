// bench-quantized: quantized-Keras predict throughput (QuantizedEngine, `model.predict` semantics)
// for one .h5 and batch size; model loading and engine construction are excluded.
// Usage: bench-quantized <quantized.h5> <inputs.npy> <batch> [seconds] [threads]
//        bench-quantized --paths   (the kernel paths this CPU runs, fastest first)
// Prints: "<samples/s wall> <samples per CPU-second> <batches run> <kernel path>" (the CPU figure
// is stable when other processes share the cores; SPIKEFORGE_KERNELS forces a path).
// scripts/bench-quantized-predict.sh drives it.
import Foundation
import KerasHDF5
import NumPyIO
import Quantization
import Tensors

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

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
    // Tile the samples to the batch size.
    let row = samples.bytes.count / samples.shape[0]
    var bytes: [UInt8] = []
    bytes.reserveCapacity(row * batch)
    for i in 0..<batch { bytes += samples.bytes[(i % samples.shape[0]) * row..<(i % samples.shape[0] + 1) * row] }
    let input = try NDArray(dtype: samples.dtype, shape: [batch] + samples.shape.dropFirst(), bytes: bytes)
    let engine = try QuantizedEngine(model: model)
    let run = { try threads > 0 ? engine.predict(input, threads: threads) : engine.predict(input) }
    _ = try run()  // warm-up
    var runs = 0
    let cpuStart = cpuSeconds()
    let start = Date()
    repeat {
        _ = try run()
        runs += 1
    } while Date().timeIntervalSince(start) < seconds
    let elapsed = Date().timeIntervalSince(start), cpu = cpuSeconds() - cpuStart
    let done = Double(runs * batch)
    print(String(format: "%.1f %.1f %d ", done / elapsed, done / cpu, runs) + KernelPath.active.rawValue)
} catch {
    fail("bench-quantized: \(error)")
}
