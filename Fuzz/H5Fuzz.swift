// libFuzzer entry point for the Keras .h5 reader: the superblock probe, the structural
// validation and libhdf5 itself behind them. Each input is written to a file (the reader
// works on paths); any input must end in a value or a thrown error. Built by Fuzz/build.sh.
import Foundation
import KerasHDF5

private let path = URL(fileURLWithPath: "/dev/shm/spikeforge-h5fuzz-\(getpid()).h5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasH5(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard (try? Data(bytes: data, count: size).write(to: path)) != nil else { return 0 }
    _ = try? KerasH5.read(path, limits: KerasH5Limits(maxArrayBytes: 1 << 24, maxTotalBytes: 1 << 26))
    return 0
}
