import NumPyIO
import Tensors
import TestSupport
import XCTest

final class NPZTests: XCTestCase {
    /// Every corpus quant_layers.npz (written deflated by numpy) holds `<layer>:<field>`
    /// members for exactly the layers meta.json lists, with the listed output shapes
    /// (batch cut to meta `layer_dump_samples` where present).
    func testReadsEveryCorpusQuantLayersArchive() throws {
        var checked = 0
        for name in try Fixtures.corpusCases() {
            let url = Fixtures.file(name, "quant_layers.npz")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let meta = try Fixtures.meta(name)
            let layers = try XCTUnwrap(meta["quant_layers"] as? [String: [String: Any]], name)
            let members = try NPZ.read(contentsOf: url)
            XCTAssertFalse(members.isEmpty, name)
            var seenLayers = Set<String>()
            for (key, array) in members {
                let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
                XCTAssertEqual(parts.count, 2, "\(name): \(key)")
                let layer = parts[0]
                seenLayers.insert(layer)
                let info = try XCTUnwrap(layers[layer], "\(name): \(layer) not in meta")
                if parts[1] == "values" || parts[1] == "float" {
                    // Only the first layer_dump_samples samples are dumped when meta says so.
                    var shape = try XCTUnwrap(info["shape"] as? [Int], "\(name): \(layer)")
                    if let dumped = meta["layer_dump_samples"] as? Int { shape[0] = min(shape[0], dumped) }
                    XCTAssertEqual(array.shape, shape, "\(name): \(key)")
                }
            }
            XCTAssertEqual(seenLayers, Set(layers.keys), name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }

    /// akida_v2_layers.npz: one member per Akida layer, in model order; the last one is the
    /// model's forward output, which equals akida_v2_out.npy (on the samples dumped) when
    /// forward equals predict.
    func testAkidaLayersArchivesMatchTheModelOutputs() throws {
        var checked = 0
        for name in try Fixtures.corpusCases() {
            let dir = Fixtures.corpusCase(name)
            let url = dir.appendingPathComponent("akida_v2_layers.npz")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let meta = try Fixtures.meta(name)
            let v2 = try XCTUnwrap((meta["conversions"] as? [String: Any])?["v2"] as? [String: Any])
            let layerNames = (v2["layers"] as? [String] ?? []).map { String($0.split(separator: ":")[0]) }
            let members = try NPZ.read(contentsOf: url)
            XCTAssertEqual(members.map(\.name), layerNames, name)
            if v2["forward_equals_predict"] as? Bool == true, let last = members.last {
                // Layer dumps may cover only the first layer_dump_samples samples.
                let out = try NPY.read(contentsOf: dir.appendingPathComponent("akida_v2_out.npy"))
                XCTAssertEqual(Array(last.array.shape.dropFirst()), Array(out.shape.dropFirst()), name)
                XCTAssertEqual(last.array.dtype, out.dtype, name)
                XCTAssertTrue(
                    out.bytes.starts(with: last.array.bytes), "\(name): last layer differs from akida_v2_out.npy")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
    }

    /// `np.savez(b, a=int16 [[1,-2,3],[4,5,-6]], b=float32 [0.5,-1.25], scalar=uint8 7)`
    /// as numpy 2.1 wrote it: stored members with zip64 local extras.
    func testReadsANumpyStoredArchive() throws {
        let base64 = """
            UEsDBC0AAAAAAAAAIQCWnACa//////////8FABQAYS5ucHkBABAAjAAAAAAAAACMAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzog\
            JzxpMicsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAg\
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQD+/wMABAAFAPr/UEsDBC0AAAAAAAAAIQAmjR56//////////8FABQA\
            Yi5ucHkBABAAiAAAAAAAAACIAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2Us\
            ICdzaGFwZSc6ICgyLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg\
            ICAKAAAAPwAAoL9QSwMELQAAAAAAAAAhAHYOE4n//////////woAFABzY2FsYXIubnB5AQAQAIEAAAAAAAAAgQAAAAAAAACTTlVN\
            UFkBAHYAeydkZXNjcic6ICd8dTEnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoKSwgfSAgICAgICAgICAgICAg\
            ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgdQSwECLQMtAAAAAAAAACEAlpwAmowAAACM\
            AAAABQAAAAAAAAAAAAAAgAEAAAAAYS5ucHlQSwECLQMtAAAAAAAAACEAJo0eeogAAACIAAAABQAAAAAAAAAAAAAAgAHDAAAAYi5u\
            cHlQSwECLQMtAAAAAAAAACEAdg4TiYEAAACBAAAACgAAAAAAAAAAAAAAgAGCAQAAc2NhbGFyLm5weVBLBQYAAAAAAwADAJ4AAAA/\
            AgAAAAA=
            """
        let data = [UInt8](try XCTUnwrap(Data(base64Encoded: base64)))
        let members = try NPZ.decode(data)
        XCTAssertEqual(members.map(\.name), ["a", "b", "scalar"])
        XCTAssertEqual(members[0].array.dtype, .int16)
        XCTAssertEqual(members[0].array.shape, [2, 3])
        XCTAssertEqual(try members[0].array.integers().scalars, [1, -2, 3, 4, 5, -6])
        XCTAssertEqual(members[1].array.floats().scalars, [0.5, -1.25])
        XCTAssertEqual(members[2].array.shape, [])
        XCTAssertEqual(try members[2].array.integers().scalars, [7])
    }

    func testRoundTripsStoredAndDeflatedThroughFiles() throws {
        let url = Fixtures.file("ds_cnn_kws", "quant_layers.npz")
        let original = try NPZ.read(contentsOf: url)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for compressed in [false, true] {
            let path = dir.appendingPathComponent(compressed ? "deflated.npz" : "stored.npz")
            try NPZ.write(original, to: path, compressed: compressed)
            let again = try NPZ.read(contentsOf: path)
            XCTAssertEqual(again.map(\.name), original.map(\.name))
            XCTAssertEqual(again.map(\.array), original.map(\.array))
        }
        let stored = try NPZ.encode(original, compressed: false).count
        let deflated = try NPZ.encode(original, compressed: true).count
        XCTAssertLessThan(deflated, stored)
    }

    func testRejectsCorruptAndHostileArchivesWithAReason() throws {
        let a = NDArray(Tensor<Float>(shape: [256], scalars: [Float](repeating: 0, count: 256)))
        let good = try NPZ.encode([("zeros", a)], compressed: true)
        XCTAssertEqual(try NPZ.decode(good).first?.array, a)

        // A flipped byte inside the deflated payload: invalid deflate data or a CRC mismatch.
        var damaged = good
        damaged[30 + "zeros.npy".utf8.count + 3] ^= 0x5A
        XCTAssertThrowsError(try NPZ.decode(damaged)) { XCTAssertTrue("\($0)".contains("zeros"), "\($0)") }

        // A declared size far above the limits is refused before inflating anything.
        let limits = NPZLimits(maxEntries: 4, maxEntryBytes: 512, maxTotalBytes: 1024, maxRatio: 1_100)
        XCTAssertThrowsError(try NPZ.decode(good, limits: NPZLimits(maxEntryBytes: 100))) {
            XCTAssertTrue("\($0)".contains("per-entry limit"), "\($0)")
        }
        let many = try NPZ.encode((0..<5).map { ("m\($0)", a) }, compressed: false)
        XCTAssertThrowsError(try NPZ.decode(many, limits: limits)) {
            XCTAssertTrue("\($0)".contains("5 entries"), "\($0)")
        }

        // A member whose declared size is a lie relative to its compressed bytes (zip bomb shape).
        let huge = NDArray(Tensor<Float>(shape: [1 << 20], scalars: [Float](repeating: 0, count: 1 << 20)))
        let bomb = try NPZ.encode([("huge", huge)], compressed: true)
        XCTAssertThrowsError(try NPZ.decode(bomb, limits: NPZLimits(maxRatio: 100))) {
            XCTAssertTrue("\($0)".contains("ratio"), "\($0)")
        }

        XCTAssertThrowsError(try NPZ.decode(Array("PK not really".utf8))) {
            XCTAssertTrue("\($0)".contains("end-of-central-directory") || "\($0)".contains("shorter"), "\($0)")
        }
        XCTAssertThrowsError(try NPZ.encode([("x", a), ("x", a)]))
    }

    /// Truncated and bit-flipped copies of a corpus archive and a corpus .npy: each one
    /// either parses or throws; none crashes or hangs.
    func testCorruptedArchivesAndArraysNeverCrash() throws {
        let npz = try Fixtures.bytes("mlp", "quant_layers.npz")
        var parsed = 0, rejected = 0
        for bytes in Mutations.corrupted(npz, count: 300, seed: 0x5EED_0001) {
            do { _ = try NPZ.decode(bytes); parsed += 1 } catch { rejected += 1 }
        }
        XCTAssertEqual(parsed + rejected, 300)
        XCTAssertGreaterThan(rejected, 200)

        let npy = try Fixtures.bytes("mlp", "inputs.npy")
        parsed = 0; rejected = 0
        for bytes in Mutations.corrupted(npy, count: 300, seed: 0x5EED_0002, hotPrefix: 128) {
            do { _ = try NPY.decode(bytes); parsed += 1 } catch { rejected += 1 }
        }
        XCTAssertEqual(parsed + rejected, 300)
        XCTAssertGreaterThan(rejected, 100)
    }
}
