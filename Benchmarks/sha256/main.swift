// Benchmarks/sha256: throughput of Persistence's SHA256 (compiled standalone by scripts/bench-sha256.sh).
import Foundation

let megabytes = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 256
let chunk = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
var warm = SHA256()
warm.update(chunk)
_ = warm.finalize()

let start = DispatchTime.now().uptimeNanoseconds
var hasher = SHA256()
for _ in 0..<megabytes { hasher.update(chunk) }
let digest = hasher.finalize()
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
print(String(format: "SpikeForge SHA256: %d MiB in %.3f s = %.1f MiB/s (digest %@)",
             megabytes, seconds, Double(megabytes) / seconds, digest))
