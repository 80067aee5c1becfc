// ServiceTests: hostile and huge `.npz` uploads against the built `spikeforge serve` — the server's
// peak RSS (VmHWM from /proc) stays under 200 MB while members stream through zlib.
import Foundation
import HTTPServer
import XCTest

/// Builds single-member `.npz` archives whose member is an `.npy` header followed by zeros; the
/// deflate stream comes from gzip(1) (its body and CRC reused), so nothing large is held here.
enum ZeroArchive {
    static func npyHeader(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }".utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8)] + text
    }

    /// A member's raw deflate data, CRC-32 and size: `header` followed by `zeros` zero bytes.
    struct Member {
        var deflated: [UInt8]
        var crc: UInt32
        var size: Int
    }

    static func member(header: [UInt8], zeros: Int, scratch url: URL) throws -> Member {
        let headerFile = url.appendingPathExtension("header")
        let gzip = url.appendingPathExtension("gz")
        defer {
            try? FileManager.default.removeItem(at: headerFile)
            try? FileManager.default.removeItem(at: gzip)
        }
        try Data(header).write(to: headerFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "{ cat \"$0\"; head -c \(zeros) /dev/zero; } | gzip -1 > \"$1\"", headerFile.path, gzip.path,
        ]
        try process.run()
        process.waitUntilExit()
        let gz = [UInt8](try Data(contentsOf: gzip))
        // gzip from a pipe: a 10-byte header without a name, the raw deflate data, CRC-32, size.
        guard gz.count > 18, gz[3] == 0 else { throw ServerError(message: "unexpected gzip output") }
        let deflated = Array(gz[10..<(gz.count - 8)])
        let crc =
            UInt32(gz[gz.count - 8]) | UInt32(gz[gz.count - 7]) << 8 | UInt32(gz[gz.count - 6]) << 16
            | UInt32(gz[gz.count - 5]) << 24
        return Member(deflated: deflated, crc: crc, size: header.count + zeros)
    }

    /// Writes a one-member archive to `url`; `declaredSize` (default: the true size) is what the
    /// zip directory claims for the member.
    static func write(_ member: Member, to url: URL, declaredSize: Int? = nil) throws {
        let (deflated, crc) = (member.deflated, member.crc)
        let name = Array("x.npy".utf8)
        let size = UInt32(declaredSize ?? member.size)
        var common: [UInt8] = []
        common.le(20, 2); common.le(0, 2); common.le(8, 2); common.le(0, 2); common.le(0x21, 2)
        common.le(crc, 4); common.le(UInt32(deflated.count), 4); common.le(size, 4)
        common.le(UInt32(name.count), 2); common.le(0, 2)
        var archive: [UInt8] = []
        archive.le(0x0403_4b50, 4); archive += common + name + deflated
        let directoryOffset = archive.count
        var central: [UInt8] = []
        central.le(0x0201_4b50, 4); central.le(20, 2); central += common
        central.le(0, 2); central.le(0, 2); central.le(0, 2); central.le(0, 4); central.le(0, 4); central += name
        archive += central
        archive.le(0x0605_4b50, 4); archive.le(0, 2); archive.le(0, 2); archive.le(1, 2); archive.le(1, 2)
        archive.le(UInt32(central.count), 4); archive.le(UInt32(directoryOffset), 4); archive.le(0, 2)
        try Data(archive).write(to: url)
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func le(_ value: UInt32, _ bytes: Int) {
        for k in 0..<bytes { append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }
}

final class NPZBombTests: XCTestCase {
    static let rssBound = 200 << 20
    var dataDir: URL!

    override func setUp() {
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("spikeforge-npz-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dataDir) }

    /// Peak resident memory of process `pid` in bytes (VmHWM).
    static func peakRSS(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kib = try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kib << 10
    }

    func upload(_ server: ServerProcess, _ url: URL) throws -> HTTPClientResponse {
        try HTTPClient.send(
            port: server.port, method: "POST", path: "/v1/datasets?name=bomb.npz",
            headers: ["Content-Type": "application/octet-stream"], body: [UInt8](try Data(contentsOf: url)))
    }

    func testBombsAndAGibibyteMemberStayUnder200MB() throws {
        let server = try ServerProcess(
            dataDir: dataDir,
            environment: ["SPIKEFORGE_ACCESS_LOG": "false", "SPIKEFORGE_MAX_NPZ_INFLATED_BYTES": "\(3 << 30)"])
        defer { server.kill(SIGTERM) }
        let bomb = dataDir.appendingPathComponent("bomb.npz")
        let small = ZeroArchive.npyHeader(descr: "<f4", shape: [2])
        // 1 GiB of zeros behind a header that says shape (2,): the directory tells the truth
        // about the inflated size, then lies that it is the 136 bytes the header needs.
        let lie = try ZeroArchive.member(header: small, zeros: 1 << 30, scratch: bomb)
        try ZeroArchive.write(lie, to: bomb)
        // gzip -1 turns the GiB into about 4.6 MB.
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int ?? 0, 8 << 20)
        var response = try upload(server, bomb)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertTrue(response.text.contains("shape [2] of float32 needs 136 bytes"), response.text)

        try ZeroArchive.write(lie, to: bomb, declaredSize: small.count + 8)
        response = try upload(server, bomb)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertTrue(response.text.contains("inflates to more than its declared 136 bytes"), response.text)

        // A real 1 GiB member (2^28 float32 zeros) is accepted, streamed, never held whole.
        let real = try ZeroArchive.member(
            header: ZeroArchive.npyHeader(descr: "<f4", shape: [1 << 28]), zeros: 1 << 30, scratch: bomb)
        try ZeroArchive.write(real, to: bomb)
        response = try upload(server, bomb)
        XCTAssertEqual(response.status, 201, response.text)
        let arrays = response.object["arrays"] as? [[String: Any]]
        XCTAssertEqual(arrays?.first?["shape"] as? [Int], [1 << 28])

        let peak = try NPZBombTests.peakRSS(server.process.processIdentifier)
        print("npz uploads: server peak RSS \(peak >> 20) MiB")
        XCTAssertLessThan(peak, NPZBombTests.rssBound, "server peak RSS \(peak >> 20) MiB")
    }

    func testTotalInflatedSizeLimitComesFromConfiguration() throws {
        let server = try ServerProcess(
            dataDir: dataDir,
            environment: ["SPIKEFORGE_ACCESS_LOG": "false", "SPIKEFORGE_MAX_NPZ_INFLATED_BYTES": "100000"])
        defer { server.kill(SIGTERM) }
        let archive = dataDir.appendingPathComponent("big.npz")
        let member = try ZeroArchive.member(
            header: ZeroArchive.npyHeader(descr: "|u1", shape: [200_000]), zeros: 200_000, scratch: archive)
        try ZeroArchive.write(member, to: archive)
        let response = try upload(server, archive)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertTrue(response.text.contains("more than 100000 bytes in total"), response.text)
    }
}
