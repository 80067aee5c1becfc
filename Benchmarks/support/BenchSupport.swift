// What the benchmark executables share: failing with a message, a batch tiled from sample rows,
// and timing a repeated call by wall clock and by CPU time (the CPU figure stays meaningful when
// other processes share the cores).
import Foundation
import Tensors

public func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
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
