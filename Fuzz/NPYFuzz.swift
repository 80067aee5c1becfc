// libFuzzer entry point for the .npy and .npz parsers: any input must end in a value or a
// thrown error, never a crash, a trap or a runaway allocation. Built by Fuzz/build.sh.
import NumPyIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? NPY.decode(bytes)
    // Small limits keep each run fast; the parsing paths are the same as with the defaults.
    _ = try? NPZ.decode(bytes, limits: NPZLimits(maxEntries: 64, maxEntryBytes: 1 << 20, maxTotalBytes: 4 << 20))
    return 0
}
