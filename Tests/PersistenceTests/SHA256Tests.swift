// SHA256Tests: the FIPS 180-4 / NIST example vectors, streaming in arbitrary chunks, and agreement
// with coreutils sha256sum on random data.
import Foundation
import Persistence
import TestSupport
import XCTest

final class SHA256Tests: XCTestCase {
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hash([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            SHA256.hash(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = SHA256()
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(thousand) }
        XCTAssertEqual(h.finalize(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testChunkingDoesNotChangeTheDigest() {
        let data = randomBytes(10_007)
        let whole = SHA256.hash(data)
        for chunk in [1, 3, 55, 56, 63, 64, 65, 127, 128, 1000] {
            var h = SHA256()
            var i = 0
            while i < data.count { h.update(Array(data[i..<min(i + chunk, data.count)])); i += chunk }
            XCTAssertEqual(h.finalize(), whole, "chunk size \(chunk)")
        }
        // Message lengths around the padding boundary (55/56/64 bytes) against the chunked path above.
        for n in [55, 56, 57, 63, 64, 65, 119, 120] {
            var h = SHA256()
            for b in data.prefix(n) { h.update([b]) }
            XCTAssertEqual(h.finalize(), SHA256.hash(Array(data.prefix(n))), "length \(n)")
        }
    }

    func testAgreesWithCoreutils() throws {
        // coreutils is part of every Debian system, so this oracle is always there.
        let tool = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for size in [0, 1, 64, 1_000_003] {
            let bytes = randomBytes(size)
            let file = dir.appendingPathComponent("f\(size)")
            try Data(bytes).write(to: file)
            let process = Process()
            process.executableURL = tool
            process.arguments = [file.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(SHA256.hash(bytes), String(output.prefix(64)), "size \(size)")
        }
    }

    func testHexDigestValidation() {
        XCTAssertTrue(SHA256.isHexDigest(SHA256.hash([1, 2, 3])))
        XCTAssertFalse(SHA256.isHexDigest("ABC"))
        XCTAssertFalse(SHA256.isHexDigest(String(repeating: "G", count: 64)))
        XCTAssertFalse(SHA256.isHexDigest("../" + String(repeating: "a", count: 61)))
    }
}
