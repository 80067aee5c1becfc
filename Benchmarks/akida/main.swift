// bench-akida: simulated Akida inference throughput and peak memory for one model and batch size.
// Usage: bench-akida <akida model .json|.fbz> <inputs.npy> <batch> [seconds] [threads]
//        bench-akida --paths   (the kernel paths this CPU runs, fastest first)
// Prints: "<samples/s wall> <samples per CPU-second> <peak RSS MiB> <batches run> <kernel path>
// <multiply-accumulates per sample>" (the CPU figure is stable when other processes share the
// cores; SPIKEFORGE_KERNELS forces a path). scripts/bench-akida.sh drives it.
import AkidaFormats
import AkidaModel
import Foundation
import NumPyIO
import Tensors

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

let args = CommandLine.arguments
if args.count == 2 && args[1] == "--paths" {
    print(KernelPath.supported.map(\.rawValue).joined(separator: " "))
    exit(0)
}
guard args.count >= 4, let batch = Int(args[3]), batch > 0 else {
    fail("usage: bench-akida <model.json|model.fbz> <inputs.npy> <batch> [seconds] [threads]")
}
let seconds = args.count > 4 ? Double(args[4]) ?? 3 : 3
let threads = args.count > 5 ? Int(args[5]) ?? 0 : 0
do {
    let model = try AkidaModelFile.load(contentsOf: URL(fileURLWithPath: args[1]))
    let samples = try NPY.read(contentsOf: URL(fileURLWithPath: args[2]))
    // Tile the samples to the batch size.
    let row = samples.bytes.count / samples.shape[0]
    var bytes: [UInt8] = []
    bytes.reserveCapacity(row * batch)
    for i in 0..<batch { bytes += samples.bytes[(i % samples.shape[0]) * row..<(i % samples.shape[0] + 1) * row] }
    let input = try NDArray(dtype: samples.dtype, shape: [batch] + samples.shape.dropFirst(), bytes: bytes)
    let sim = try AkidaSimulator(model: model, maxThreads: threads)
    _ = try sim.infer(input)  // warm-up
    func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
    var runs = 0
    let cpuStart = cpuSeconds()
    let start = Date()
    repeat {
        _ = try sim.infer(input)
        runs += 1
    } while Date().timeIntervalSince(start) < seconds
    let elapsed = Date().timeIntervalSince(start), cpu = cpuSeconds() - cpuStart
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let done = Double(runs * batch)
    print(
        String(format: "%.1f %.1f %.1f %d ", done / elapsed, done / cpu, Double(usage.ru_maxrss) / 1024, runs)
            + "\(KernelPath.active.rawValue) \(sim.multiplyAccumulatesPerSample)")
} catch {
    fail("bench-akida: \(error)")
}
