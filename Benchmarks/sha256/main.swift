// Benchmarks/sha256: throughput of Persistence's SHA256 (compiled standalone by scripts/bench-sha256.sh).
// Reports both wall-clock and CPU-time throughput: on a shared machine the CPU-time figure is the
// stable one.
import Foundation

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let megabytes = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 256
let chunk = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
var warm = SHA256()
warm.update(chunk)
_ = warm.finalize()

let wallStart = DispatchTime.now().uptimeNanoseconds
let cpuStart = cpuSeconds()
var hasher = SHA256()
for _ in 0..<megabytes { hasher.update(chunk) }
let digest = hasher.finalize()
let cpu = cpuSeconds() - cpuStart
let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
print(String(format: "SpikeForge SHA256: %d MiB: %.1f MiB/s of CPU time (%.1f MiB/s wall) digest %@",
             megabytes, Double(megabytes) / cpu, Double(megabytes) / wall, digest))
