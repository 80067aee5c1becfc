// The .fbz container: lossless round trip of every corpus model; truncated, bit-flipped,
// oversized and foreign inputs rejected with an error (never a crash).
import AkidaFormats
import AkidaModel
import XCTest

final class FBZTests: XCTestCase {
    func testRoundTripIsLosslessForEveryCorpusModel() throws {
        for c in try AkidaCase.all() {
            let model = try c.model()
            let blob = try FBZ.encode(model)
            let back = try FBZ.decode(blob)
            XCTAssertEqual(back, model, c.label)
            XCTAssertEqual(AkidaJSON.encode(back), try c.jsonText(), c.label)
            XCTAssertLessThan(
                blob.count, try c.jsonText().utf8.count / 3, "\(c.label): blob should be much smaller than JSON")
        }
    }

    func testLoadDetectsFormatFromContent() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "residual_add" })
        let model = try c.model()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fbz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fbz = dir.appendingPathComponent("m.fbz"), json = dir.appendingPathComponent("m.json")
        try AkidaModelFile.save(model, to: fbz)
        try AkidaModelFile.save(model, to: json)
        XCTAssertTrue(FBZ.hasMagic([UInt8](try Data(contentsOf: fbz))))
        XCTAssertEqual(try AkidaModelFile.load(contentsOf: fbz), model)
        XCTAssertEqual(try AkidaModelFile.load(contentsOf: json), model)
        XCTAssertThrowsError(try AkidaModelFile.decode(Array("not a model".utf8)))
    }

    func testTruncatedBlobsAreRejected() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "mlp" })
        let blob = try FBZ.encode(c.model())
        for length in 0..<blob.count {
            XCTAssertThrowsError(try FBZ.decode(Array(blob[0..<length])), "prefix of \(length) bytes") { error in
                XCTAssertTrue("\(error)".contains(".fbz"), "\(error)")
            }
        }
        XCTAssertThrowsError(try FBZ.decode(blob + [0]))
    }

    func testBitFlipsAreRejected() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "mlp" })
        let blob = try FBZ.encode(c.model())
        for position in 0..<blob.count {
            for bit in [0, 3, 7] {
                var corrupt = blob
                corrupt[position] ^= UInt8(1 << bit)
                XCTAssertThrowsError(try FBZ.decode(corrupt), "flip of bit \(bit) at byte \(position)")
            }
        }
    }

    func testOversizedBodyIsRejectedBeforeInflating() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "ds_cnn_kws" })
        let blob = try FBZ.encode(c.model())
        XCTAssertThrowsError(try FBZ.decode(blob, limits: FBZLimits(maxBodyBytes: 1000))) { error in
            XCTAssertTrue("\(error)".contains("exceeds the limit"), "\(error)")
        }
    }

    func testUnknownFormatVersionIsRejectedClearly() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "mlp" })
        let blob = try FBZ.encode(c.model())
        let header = Blob(header: Array(blob[0..<40]))
        var edited = header
        edited.version = 3  // versions 1 and 2 are known (2 adds the metadata section)
        XCTAssertThrowsError(try FBZ.decode(edited.bytes(payloadCRC: header.payloadCRC) + blob[40...])) { error in
            XCTAssertTrue("\(error)".contains("format version 3"), "\(error)")
        }
    }

    /// Bodies cut short or padded, but with checksums recomputed, still fail cleanly in the parser.
    func testResealedTruncatedBodiesAreRejected() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "residual_add" })
        let plain = try FBZ.encode(c.model(), compressed: false)
        XCTAssertEqual(try FBZ.decode(plain), try c.model())
        let body = Array(plain[40...])
        for length in stride(from: 0, to: body.count, by: 7) {
            let cut = Array(body[0..<length])
            var header = Blob(header: Array(plain[0..<40]))
            header.bodyLength = UInt64(length)
            header.storedLength = UInt64(length)
            header.bodyCRC = Blob.crc32(cut)
            XCTAssertThrowsError(
                try FBZ.decode(header.bytes(payloadCRC: header.bodyCRC) + cut), "body cut at \(length)")
        }
    }
}

/// The .fbz header fields as docs/fbz.md specifies them, for building edited blobs in tests.
struct Blob {
    var version: UInt16, flags: UInt16, bodyLength: UInt64, storedLength: UInt64, bodyCRC: UInt32, payloadCRC: UInt32

    init(header b: [UInt8]) {
        func le(_ at: Int, _ n: Int) -> UInt64 { (0..<n).reversed().reduce(0) { $0 << 8 | UInt64(b[at + $1]) } }
        version = UInt16(le(8, 2)); flags = UInt16(le(10, 2))
        bodyLength = le(12, 8); storedLength = le(20, 8)
        bodyCRC = UInt32(le(28, 4)); payloadCRC = UInt32(le(32, 4))
    }

    func bytes(payloadCRC: UInt32) -> [UInt8] {
        var out = FBZ.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(version); put(flags); put(bodyLength); put(storedLength); put(bodyCRC); put(payloadCRC)
        put(Blob.crc32(out))
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in data {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~c
    }
}
