// FormatsTests: `.npy` and `.npz` files written a batch of rows at a time are the very bytes the
// whole-array writers give for the joined arrays, the rows are on disk as each batch is appended
// (nothing accumulates in the writer), batches that disagree or rows that do not add up are refused
// by rule, and a writer that does not finish leaves no file behind.
import Foundation
import NumPyIO
import Tensors
import TestSupport
import XCTest

final class RowWriterTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTempDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    /// Deterministic bytes: half of them repeat (so deflate finds matches), half do not.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return index % 64 < 32 ? UInt8(index % 7) : UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    static func array(_ dtype: DType, _ shape: [Int], seed: UInt64) throws -> NDArray {
        try NDArray(dtype: dtype, shape: shape, bytes: bytes(shape.reduce(1, *) * dtype.byteSize, seed: seed))
    }

    /// `array`'s rows `range`, cut from its bytes.
    static func rows(_ array: NDArray, _ range: Range<Int>) throws -> NDArray {
        let rowBytes = array.bytes.count / array.shape[0]
        return try NDArray(
            dtype: array.dtype, shape: [range.count] + array.shape.dropFirst(),
            bytes: Array(array.bytes[(range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)]))
    }

    /// Row ranges of uneven batches covering `count` rows.
    static func batches(_ count: Int, sizes: [Int]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        while start < count {
            let end = min(count, start + sizes[index % sizes.count])
            ranges.append(start..<end)
            start = end
            index += 1
        }
        return ranges
    }

    func fileSize(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? -1
    }

    func directoryBytes() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).reduce(0) {
            $0 + (try fileSize(directory.appendingPathComponent($1)))
        }
    }

    func testNPYInBatchesIsTheWholeArrayOnDiskAsItArrives() throws {
        let whole = try NPY.read(contentsOf: Fixtures.file("ds_cnn_kws", "inputs.npy"))
        let url = directory.appendingPathComponent("rows.npy")
        let writer = try NPYRowWriter(creating: url, rows: whole.shape[0])
        let headerBytes = NPY.encode(whole).count - whole.bytes.count
        let rowBytes = whole.bytes.count / whole.shape[0]
        for range in Self.batches(whole.shape[0], sizes: [3, 1, 2]) {
            try writer.append(try Self.rows(whole, range))
            XCTAssertEqual(try fileSize(url), headerBytes + range.upperBound * rowBytes, "\(range)")
        }
        try writer.finish()
        XCTAssertEqual([UInt8](try Data(contentsOf: url)), NPY.encode(whole))
        XCTAssertEqual(try NPY.read(contentsOf: url), whole)
    }

    func testNPZInBatchesIsTheWholeArchive() throws {
        let rows = 10
        let arrays: [(name: String, array: NDArray)] = [
            ("logits", try Self.array(.float32, [rows, 4, 3], seed: 1)),
            ("codes", try Self.array(.int8, [rows, 7], seed: 2)),
            ("flags", try Self.array(.uint8, [rows], seed: 3)),
            ("wide", try Self.array(.float32, [rows, 20_000], seed: 4)),
            ("pairs", try Self.array(.int64, [rows, 2, 2], seed: 5)),
        ]
        for compressed in [true, false] {
            for sizes in [[3], [1], [4, 1, 5]] {
                let url = directory.appendingPathComponent("outputs-\(compressed)-\(sizes.count).npz")
                let writer = try NPZRowWriter(
                    creating: url, names: arrays.map(\.name), rows: rows, compressed: compressed)
                for range in Self.batches(rows, sizes: sizes) {
                    try writer.append(try arrays.map { try Self.rows($0.array, range) })
                }
                try writer.finish()
                let label = "compressed \(compressed), batches of \(sizes)"
                let read = try NPZ.read(contentsOf: url)
                XCTAssertEqual(read.map(\.name), arrays.map(\.name), label)
                XCTAssertEqual(read.map(\.array), arrays.map(\.array), label)
                XCTAssertEqual(
                    [UInt8](try Data(contentsOf: url)), try NPZ.encode(arrays, compressed: compressed), label)
                XCTAssertEqual(
                    try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".part") },
                    [], "\(label): part files removed")
            }
        }
    }

    /// Incompressible rows reach the disk as they are appended: what is on disk never lags the rows
    /// appended by more than zlib's window and one output buffer.
    func testNPZRowsReachTheDiskAsTheyAreAppended() throws {
        let rowBytes = 1 << 18
        let url = directory.appendingPathComponent("noise.npz")
        let writer = try NPZRowWriter(creating: url, names: ["a", "b"], rows: 16)
        var state: UInt64 = 7
        var appended = 0
        for batch in 0..<8 {
            let arrays = try (0..<2).map { _ -> NDArray in
                let bytes = (0..<(2 * rowBytes)).map { _ -> UInt8 in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return UInt8(truncatingIfNeeded: state >> 33)
                }
                return try NDArray(dtype: .uint8, shape: [2, rowBytes], bytes: bytes)
            }
            try writer.append(arrays)
            appended += 2 * 2 * rowBytes
            XCTAssertGreaterThan(try directoryBytes(), appended - 2 * (1 << 18), "after batch \(batch)")
        }
        try writer.finish()
        XCTAssertEqual(try NPZ.read(contentsOf: url).map(\.array.shape), [[16, rowBytes], [16, rowBytes]])
    }

    func testBatchesThatDoNotJoinAreRefusedByRule() throws {
        func rule(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as RowWriterError {
                return error.rule
            } catch {
                return "\(error)"
            }
        }
        let first = try Self.array(.float32, [2, 3], seed: 1)
        let url = directory.appendingPathComponent("refused.npy")
        XCTAssertEqual(
            rule {
                let w = try NPYRowWriter(creating: url, rows: 4); try w.append(first); try w.finish()
            },
            "fewer-rows-than-declared")
        XCTAssertEqual(rule { try NPYRowWriter(creating: url, rows: 4).finish() }, "fewer-rows-than-declared")
        XCTAssertEqual(
            rule {
                let w = try NPYRowWriter(creating: url, rows: 3); try w.append(first); try w.append(first)
            },
            "more-rows-than-declared")
        XCTAssertEqual(
            rule {
                let w = try NPYRowWriter(creating: url, rows: 4)
                try w.append(first)
                try w.append(try Self.array(.int32, [2, 3], seed: 1))
            }, "batches-disagree")
        XCTAssertEqual(
            rule {
                let w = try NPYRowWriter(creating: url, rows: 4)
                try w.append(first)
                try w.append(try Self.array(.float32, [2, 4], seed: 1))
            }, "batches-disagree")
        XCTAssertEqual(
            rule { try NPYRowWriter(creating: url, rows: 1).append(try Self.array(.float32, [], seed: 1)) },
            "batch-has-no-rows")
        let archive = directory.appendingPathComponent("refused.npz")
        XCTAssertEqual(
            rule { try NPZRowWriter(creating: archive, names: ["a", "b"], rows: 2).append([first]) }, "member-count")
        do {
            let w = try NPZRowWriter(creating: archive, names: ["a", "b"], rows: 4)
            try w.append([first, first])
            try w.append([first, try Self.array(.float32, [2, 4], seed: 1)])
            XCTFail("a disagreeing batch of member b was taken")
        } catch let error as RowWriterError {
            XCTAssertEqual(error.rule, "batches-disagree")
            XCTAssertTrue(error.description.hasPrefix("output 'b': batch outputs disagree"), error.description)
        }
        XCTAssertThrowsError(try NPZRowWriter(creating: archive, names: ["a", "a"], rows: 2)) { error in
            XCTAssertEqual(error as? NPZError, .malformed("member 'a' appears twice"))
        }
        // A member only zip64 could describe is refused at its first batch, before the rest is computed.
        XCTAssertThrowsError(
            try NPZRowWriter(creating: archive, names: ["small", "big"], rows: 1 << 30).append([
                try Self.array(.uint8, [1, 1], seed: 1), try Self.array(.float32, [1, 8], seed: 1),
            ])
        ) { error in
            XCTAssertEqual(
                error as? NPZError, .unsupported("entry 'big.npy' is 4 GiB or larger; zip64 writing is not supported"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [], "nothing left behind")
    }

    func testAWriterThatDoesNotFinishLeavesNoFile() throws {
        let array = try Self.array(.int16, [4, 5], seed: 9)
        do {
            let npy = try NPYRowWriter(creating: directory.appendingPathComponent("a.npy"), rows: 4)
            try npy.append(try Self.rows(array, 0..<2))
            let npz = try NPZRowWriter(
                creating: directory.appendingPathComponent("b.npz"), names: ["x", "y"], rows: 4)
            try npz.append([try Self.rows(array, 0..<2), try Self.rows(array, 0..<2)])
            XCTAssertEqual(
                Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)),
                ["a.npy", "b.npz.part0", "b.npz.part1"])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
        let kept = directory.appendingPathComponent("kept.npz")
        let writer = try NPZRowWriter(creating: kept, names: ["x"], rows: 4)
        try writer.append([array])
        try writer.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["kept.npz"])
        XCTAssertEqual(try NPZ.read(contentsOf: kept).map(\.array), [array])
    }
}
