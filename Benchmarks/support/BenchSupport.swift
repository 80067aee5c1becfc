// What the benchmark executables share: their command line, failing with a message, a batch tiled
// from sample rows, and timing a repeated call by wall clock and by CPU time (the CPU figure stays meaningful when
// other processes share the cores).
import Foundation
import Tensors

public func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// The command line `<model> <inputs.npy> <batch> [seconds] [threads]`; `--paths` alone prints the
/// kernel paths this CPU runs (fastest first) and exits.
public struct BenchArguments {
    public let model: URL, inputs: URL
    public let batch: Int, seconds: Double, threads: Int

    /// Reads CommandLine.arguments; fails with `usage` when they do not fit.
    public init(usage: String) {
        let args = CommandLine.arguments
        if args.count == 2 && args[1] == "--paths" {
            print(KernelPath.supported.map(\.rawValue).joined(separator: " "))
            exit(0)
        }
        guard args.count >= 4, let batch = Int(args[3]), batch > 0 else { fail("usage: " + usage) }
        model = URL(fileURLWithPath: args[1])
        inputs = URL(fileURLWithPath: args[2])
        self.batch = batch
        seconds = args.count > 4 ? Double(args[4]) ?? 3 : 3
        threads = args.count > 5 ? Int(args[5]) ?? 0 : 0
    }
}

/// `rows` rows taken from `samples` in order, starting over when they run out.
public func tiledBatch(_ samples: NDArray, rows: Int) throws -> NDArray {
    let row = samples.bytes.count / samples.shape[0]
    var bytes: [UInt8] = []
    bytes.reserveCapacity(row * rows)
    for i in 0..<rows {
        let k = i % samples.shape[0]
        bytes += samples.bytes[k * row..<(k + 1) * row]
    }
    return try NDArray(dtype: samples.dtype, shape: [rows] + samples.shape.dropFirst(), bytes: bytes)
}

/// Runs `body` once to warm up, then repeatedly for at least `seconds`: the number of runs, the
/// wall-clock seconds and the CPU seconds (user + system, every thread) they took.
public func measure(seconds: Double, _ body: () throws -> Void) rethrows -> (runs: Int, wall: Double, cpu: Double) {
    func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
    try body()
    var runs = 0
    let cpuStart = cpuSeconds(), start = Date()
    repeat {
        try body()
        runs += 1
    } while Date().timeIntervalSince(start) < seconds
    return (runs, Date().timeIntervalSince(start), cpuSeconds() - cpuStart)
}
