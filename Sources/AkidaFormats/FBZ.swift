// The .fbz container: SpikeForge's own versioned binary format for Akida models (specified in
// docs/fbz.md): a checksummed header, then a zlib-compressed body holding layers, parameters and
// typed variable arrays. The reader checks every length and checksum and never trusts a count.
import AkidaModel
import CZlib
import Foundation
import JSON

/// Limits applied when reading a blob (guards against corrupt or hostile files).
public struct FBZLimits: Sendable, Equatable {
    /// Largest accepted uncompressed body.
    public var maxBodyBytes: Int
    public init(maxBodyBytes: Int = 1 << 30) { self.maxBodyBytes = maxBodyBytes }
    public static let `default` = FBZLimits()
}

public enum FBZ {
    /// "\x89SFBZ\r\n\x1a": not text, and detects line-ending or 7-bit mangling.
    public static let magic: [UInt8] = [0x89, 0x53, 0x46, 0x42, 0x5A, 0x0D, 0x0A, 0x1A]
    /// Version 2 adds a metadata section after the layers; a file without metadata is written as
    /// version 1, byte for byte as before.
    public static let formatVersion: UInt16 = 2
    static let versionWithoutMetadata: UInt16 = 1
    static let headerSize = 40
    static let flagCompressed: UInt16 = 1

    /// Whether `bytes` starts like a .fbz blob.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= magic.count && Array(bytes[0..<magic.count]) == magic
    }

    // MARK: Writing

    /// Encodes `model`; `compressed: false` stores the body as is (for inspection and tests).
    /// `metadata` (a JSON object, e.g. provenance) makes a version 2 file.
    public static func encode(
        _ model: AkidaModel, metadata: JSONValue? = nil, compressed: Bool = true, level: Int32 = 9
    ) throws -> [UInt8] {
        var body = encodeBody(model)
        if let metadata {
            guard metadata.objectPairs != nil else {
                throw AkidaFormatError.invalidBlob("metadata must be a JSON object")
            }
            var w = ByteWriter()
            w.string(metadata.serialized())
            body += w.bytes
        }
        let payload = compressed ? try deflate(body, level: level) : body
        var header = ByteWriter()
        header.bytes = magic
        header.u16(metadata == nil ? versionWithoutMetadata : formatVersion)
        header.u16(compressed ? flagCompressed : 0)
        header.u64(UInt64(body.count))
        header.u64(UInt64(payload.count))
        header.u32(crc(body))
        header.u32(crc(payload))
        header.u32(crc(header.bytes))
        return header.bytes + payload
    }

    private static func deflate(_ body: [UInt8], level: Int32) throws -> [UInt8] {
        var bound = compressBound(uLong(body.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let status = compressed.withUnsafeMutableBufferPointer { out in
            body.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &bound, inp.baseAddress, uLong(body.count), level)
            }
        }
        guard status == Z_OK else { throw AkidaFormatError.invalidBlob("zlib compress2 failed with status \(status)") }
        compressed.removeSubrange(Int(bound)...)
        return compressed
    }

    public static func write(_ model: AkidaModel, to url: URL) throws {
        try Data(encode(model)).write(to: url)
    }

    // MARK: Reading

    public static func decode(_ blob: [UInt8], limits: FBZLimits = .default) throws -> AkidaModel {
        try decodeWithMetadata(blob, limits: limits).model
    }

    /// The model and the metadata object of a version 2 file (nil for version 1).
    public static func decodeWithMetadata(
        _ blob: [UInt8], limits: FBZLimits = .default
    ) throws -> (model: AkidaModel, metadata: JSONValue?) {
        func bad(_ s: String) -> AkidaFormatError { .invalidBlob(s) }
        guard blob.count >= headerSize else {
            throw bad(
                hasMagic(blob) || blob.isEmpty
                    ? "truncated: \(blob.count) bytes, the header alone has \(headerSize)"
                    : "not a .fbz file (bad magic)")
        }
        guard hasMagic(blob) else { throw bad("not a .fbz file (bad magic)") }
        var r = ByteReader(blob[...])
        _ = try r.take(magic.count)
        let version = try r.u16(), flags = try r.u16()
        let bodyLength = try r.u64(), storedLength = try r.u64()
        let bodyCRC = try r.u32(), payloadCRC = try r.u32(), headerCRC = try r.u32()
        guard crc(Array(blob[0..<headerSize - 4])) == headerCRC else {
            throw bad("header checksum mismatch (corrupt file)")
        }
        guard version == formatVersion || version == versionWithoutMetadata else {
            throw bad(
                "format version \(version) is not supported (this reader handles versions \(versionWithoutMetadata) "
                    + "and \(formatVersion))")
        }
        guard flags & ~flagCompressed == 0 else { throw bad("unknown flags 0x\(String(flags, radix: 16))") }
        guard bodyLength <= UInt64(limits.maxBodyBytes) else {
            throw bad("body of \(bodyLength) bytes exceeds the limit of \(limits.maxBodyBytes) bytes")
        }
        let available = UInt64(blob.count - headerSize)
        guard storedLength <= available else {
            throw bad("truncated: payload needs \(storedLength) bytes, the file has \(available)")
        }
        guard storedLength == available else {
            throw bad("\(available - storedLength) unexpected bytes after the payload")
        }
        let payload = Array(blob[headerSize...])
        guard crc(payload) == payloadCRC else { throw bad("payload checksum mismatch (corrupt file)") }
        let body: [UInt8]
        if flags & flagCompressed != 0 {
            var outLength = uLongf(bodyLength)
            var out = [UInt8](repeating: 0, count: Int(bodyLength))
            let status = out.withUnsafeMutableBufferPointer { o in
                payload.withUnsafeBufferPointer { p in
                    uncompress(o.baseAddress, &outLength, p.baseAddress, uLong(payload.count))
                }
            }
            guard status == Z_OK, outLength == uLongf(bodyLength) else {
                throw bad("compressed body is corrupt (zlib status \(status))")
            }
            body = out
        } else {
            guard storedLength == bodyLength else { throw bad("stored length differs from body length") }
            body = payload
        }
        guard crc(body) == bodyCRC else { throw bad("body checksum mismatch (corrupt file)") }
        do {
            return try decodeBody(body, withMetadata: version >= formatVersion)
        } catch let e as AkidaModelError {
            throw bad(e.description)
        }
    }

    public static func read(contentsOf url: URL, limits: FBZLimits = .default) throws -> AkidaModel {
        try decode([UInt8](Data(contentsOf: url)), limits: limits)
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    // MARK: Body

    static let dtypeCodes: [AkidaDType: UInt8] = [.int8: 1, .uint8: 2, .int16: 3, .uint16: 4, .int32: 5, .float32: 6]

    static func encodeBody(_ model: AkidaModel) -> [UInt8] {
        var w = ByteWriter()
        w.string(model.akidaVersion)
        w.string(model.ipVersion.rawValue)
        w.shape(model.inputShape)
        w.shape(model.outputShape)
        w.u32(UInt32(model.layers.count))
        for layer in model.layers {
            w.string(layer.name)
            w.string(layer.type.rawValue)
            w.u32(UInt32(layer.parameters.count))
            for key in layer.parameters.keys.sorted() {
                w.string(key)
                w.u64(UInt64(bitPattern: Int64(layer.parameters[key]!)))
            }
            w.u32(UInt32(layer.variables.count))
            for key in layer.variables.keys.sorted() {
                let v = layer.variables[key]!
                w.string(key)
                w.bytes.append(dtypeCodes[v.dtype]!)
                w.bytes.append(UInt8(clamping: v.bitwidth))
                w.shape(v.shape)
                switch v.values {
                case .floats(let f): for x in f { w.u32(x.bitPattern) }
                case .integers(let ints):
                    switch v.dtype {
                    case .int8, .uint8: for x in ints { w.bytes.append(UInt8(truncatingIfNeeded: x)) }
                    case .int16, .uint16: for x in ints { w.u16(UInt16(truncatingIfNeeded: x)) }
                    case .int32, .float32: for x in ints { w.u32(UInt32(bitPattern: x)) }
                    }
                }
            }
            w.u32(UInt32(layer.inbounds.count))
            layer.inbounds.forEach { w.string($0) }
            w.u32(UInt32(layer.inputShapes.count))
            layer.inputShapes.forEach { w.shape($0) }
            w.shape(layer.outputShape)
        }
        return w.bytes
    }

    static func decodeBody(_ body: [UInt8], withMetadata: Bool) throws -> (model: AkidaModel, metadata: JSONValue?) {
        var r = ByteReader(body[...])
        let version = try r.string()
        guard let ip = AkidaIPVersion(rawValue: try r.string()) else {
            throw AkidaFormatError.invalidBlob("unknown IP version")
        }
        let inputShape = try r.shape(), outputShape = try r.shape()
        let layerCount = try r.count(minBytesEach: 8)
        var layers: [AkidaLayer] = []
        for _ in 0..<layerCount {
            let name = try r.string()
            let typeName = try r.string()
            guard let type = AkidaLayerType(rawValue: typeName) else {
                throw AkidaFormatError.invalidBlob("layer '\(name)': unknown layer type '\(typeName)'")
            }
            var params: [String: Int] = [:]
            for _ in 0..<(try r.count(minBytesEach: 12)) {
                let key = try r.string()
                params[key] = Int(Int64(bitPattern: try r.u64()))
            }
            var variables: [String: AkidaVariable] = [:]
            for _ in 0..<(try r.count(minBytesEach: 7)) {
                let key = try r.string()
                let code = try r.u8(), bitwidth = Int(try r.u8())
                guard let dtype = dtypeCodes.first(where: { $0.value == code })?.key else {
                    throw AkidaFormatError.invalidBlob("layer '\(name)' variable '\(key)': unknown dtype code \(code)")
                }
                let shape = try r.shape()
                let count = try shapeCount(
                    shape, available: r.remaining,
                    elementSize: dtype == .float32 || dtype == .int32 ? 4 : dtype == .int16 || dtype == .uint16 ? 2 : 1)
                let values: AkidaValues
                switch dtype {
                case .float32: values = .floats(try (0..<count).map { _ in Float(bitPattern: try r.u32()) })
                case .int8: values = .integers(try (0..<count).map { _ in Int32(Int8(bitPattern: try r.u8())) })
                case .uint8: values = .integers(try (0..<count).map { _ in Int32(try r.u8()) })
                case .int16: values = .integers(try (0..<count).map { _ in Int32(Int16(bitPattern: try r.u16())) })
                case .uint16: values = .integers(try (0..<count).map { _ in Int32(try r.u16()) })
                case .int32: values = .integers(try (0..<count).map { _ in Int32(bitPattern: try r.u32()) })
                }
                variables[key] = try AkidaVariable(dtype: dtype, bitwidth: bitwidth, shape: shape, values: values)
            }
            let inbounds = try (0..<(try r.count(minBytesEach: 4))).map { _ in try r.string() }
            let inputShapes = try (0..<(try r.count(minBytesEach: 1))).map { _ in try r.shape() }
            layers.append(
                AkidaLayer(
                    name: name, type: type, parameters: params, variables: variables,
                    inbounds: inbounds, inputShapes: inputShapes, outputShape: try r.shape()))
        }
        var metadata: JSONValue?
        if withMetadata {
            let text = try r.string()
            guard let value = try? JSONValue(parsing: text), value.objectPairs != nil else {
                throw AkidaFormatError.invalidBlob("the metadata section is not a JSON object")
            }
            metadata = value
        }
        guard r.remaining == 0 else {
            throw AkidaFormatError.invalidBlob(
                "\(r.remaining) unexpected bytes after the \(withMetadata ? "metadata" : "last layer")")
        }
        let model = try AkidaModel(
            akidaVersion: version, ipVersion: ip, layers: layers, inputShape: inputShape, outputShape: outputShape)
        return (model, metadata)
    }

    private static func shapeCount(_ shape: [Int], available: Int, elementSize: Int) throws -> Int {
        var count = 1
        for d in shape {
            let (m, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, m * elementSize <= available else {
                throw AkidaFormatError.invalidBlob("truncated: variable of shape \(shape) needs more bytes than remain")
            }
            count = m
        }
        return count
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    mutating func shape(_ dims: [Int]) {
        bytes.append(UInt8(dims.count))
        dims.forEach { u32(UInt32($0)) }
    }
}

/// Bounds-checked little-endian reader: every read either succeeds or throws "truncated".
struct ByteReader {
    var data: ArraySlice<UInt8>
    init(_ data: ArraySlice<UInt8>) { self.data = data }
    var remaining: Int { data.count }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= data.count else {
            throw AkidaFormatError.invalidBlob("truncated: needed \(n) more bytes, \(data.count) remain")
        }
        let out = data.prefix(n)
        data = data.dropFirst(n)
        return out
    }
    mutating func u8() throws -> UInt8 { try take(1).first! }
    mutating func u16() throws -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
    mutating func string() throws -> String {
        let n = Int(try u32())
        guard let s = String(validating: try take(n), as: UTF8.self) else {
            throw AkidaFormatError.invalidBlob("invalid UTF-8 in a name")
        }
        return s
    }
    mutating func shape() throws -> [Int] {
        let rank = Int(try u8())
        return try (0..<rank).map { _ in
            let d = try u32()
            guard d < 1 << 31 else { throw AkidaFormatError.invalidBlob("dimension \(d) is too large") }
            return Int(d)
        }
    }
    /// A count of items that each need at least `minBytesEach` bytes (refuses impossible counts).
    mutating func count(minBytesEach: Int) throws -> Int {
        let n = Int(try u32())
        guard n * minBytesEach <= remaining else {
            throw AkidaFormatError.invalidBlob("truncated: \(n) items cannot fit in the \(remaining) remaining bytes")
        }
        return n
    }
}
