// bench-akida: simulated Akida inference throughput and peak memory for one model and batch size.
// Usage: bench-akida <akida model .json|.fbz> <inputs.npy> <batch> [seconds] [threads]
//        bench-akida --paths   (the kernel paths this CPU runs, fastest first)
// Prints: "<samples/s wall> <samples per CPU-second> <peak RSS MiB> <batches run> <kernel path>
// <multiply-accumulates per sample>" (the CPU figure is stable when other processes share the
// cores; SPIKEFORGE_KERNELS forces a path). scripts/bench-akida.sh drives it.
import AkidaFormats
import AkidaModel
import BenchSupport
import Foundation
import NumPyIO
import Tensors

let arguments = BenchArguments(usage: "bench-akida <model.json|model.fbz> <inputs.npy> <batch> [seconds] [threads]")
let (batch, seconds, threads) = (arguments.batch, arguments.seconds, arguments.threads)
do {
    let model = try AkidaModelFile.load(contentsOf: arguments.model)
    let samples = try NPY.read(contentsOf: arguments.inputs)
    let input = try tiledBatch(samples, rows: batch)
    let sim = try AkidaSimulator(model: model, maxThreads: threads)
    let (runs, elapsed, cpu) = try measure(seconds: seconds) { _ = try sim.infer(input) }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let done = Double(runs * batch)
    print(
        String(format: "%.1f %.1f %.1f %d ", done / elapsed, done / cpu, Double(usage.ru_maxrss) / 1024, runs)
            + "\(KernelPath.active.rawValue) \(sim.multiplyAccumulatesPerSample)")
} catch {
    fail("bench-akida: \(error)")
}
