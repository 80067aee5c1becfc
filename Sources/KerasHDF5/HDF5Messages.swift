// HDF5Structure's checks of single object-header messages: data layout, fill value, attribute,
// dataspace and datatype each fit their message and point inside the file.
extension HDF5Structure {
    func dataLayout(_ data: [UInt8], bytes: (partialValue: UInt64, overflow: Bool)) throws {
        guard !bytes.overflow else { throw bad("dataset size overflows") }
        guard data.count >= 2, data[0] == 3 else {
            throw unsupported("data layout message version \(data.first ?? 0)")
        }
        switch data[1] {
        case 0:
            guard data.count >= 4, int(data, 2, 2) <= UInt64(data.count - 4), int(data, 2, 2) == bytes.partialValue
            else {
                throw bad("compact dataset data does not match its size")
            }
        case 1:
            guard data.count >= 2 + o + l else { throw bad("short contiguous layout message") }
            let address = int(data, 2, o), size = int(data, 2 + o, l)
            guard size == bytes.partialValue else {
                throw bad("contiguous storage of \(size) bytes for \(bytes.partialValue) bytes of data")
            }
            if address != undefined { _ = try checkRange(address, size) }
        default:
            throw unsupported("chunked or virtual dataset storage")
        }
    }

    func checkRange(_ address: UInt64, _ size: UInt64) throws -> Bool {
        let (end, overflow) = address.addingReportingOverflow(size)
        let (absolute, overflow2) = end.addingReportingOverflow(UInt64(sb.baseAddress))
        guard !overflow, !overflow2, absolute <= UInt64(file.size) else {
            throw bad("dataset storage lies outside the file")
        }
        return true
    }

    func fillValue(_ data: [UInt8]) throws {
        guard let version = data.first else { throw bad("empty fill value message") }
        var p: Int
        var hasValue: Bool
        switch version {
        case 1, 2:
            guard data.count >= 4 else { throw bad("short fill value message") }
            p = 4
            hasValue = version == 1 || data[3] != 0
        case 3:
            guard data.count >= 2 else { throw bad("short fill value message") }
            p = 2
            hasValue = data[1] & 0x20 != 0
        default:
            throw unsupported("fill value message version \(version)")
        }
        if hasValue {
            guard data.count >= p + 4, int(data, p, 4) <= UInt64(data.count - p - 4) else {
                throw bad("fill value overruns its message")
            }
            p += 4
        }
    }

    /// An attribute message: name, datatype, dataspace and data, each within the message.
    func attribute(_ data: [UInt8]) throws {
        guard data.count >= 8 else { throw bad("short attribute message") }
        let version = data[0]
        guard (1...3).contains(version) else { throw unsupported("attribute message version \(version)") }
        if version >= 2, data[1] & 0x03 != 0 { throw unsupported("attributes with shared datatypes or dataspaces") }
        let nameSize = Int(int(data, 2, 2)), typeSize = Int(int(data, 4, 2)), spaceSize = Int(int(data, 6, 2))
        func padded(_ n: Int) -> Int { version == 1 ? (n + 7) & ~7 : n }
        var p = version == 3 ? 9 : 8
        guard nameSize >= 1, p + padded(nameSize) <= data.count, data[p + nameSize - 1] == 0 else {
            throw bad("attribute name overruns its message")
        }
        p += padded(nameSize)
        guard p + padded(typeSize) <= data.count else { throw bad("attribute datatype overruns its message") }
        let type = try datatype(data, p, p + typeSize, depth: 0)
        p += padded(typeSize)
        guard p + padded(spaceSize) <= data.count else { throw bad("attribute dataspace overruns its message") }
        let space = try dataspace(data, p, p + spaceSize)
        p += padded(spaceSize)
        let (bytes, overflow) = space.elements.multipliedReportingOverflow(by: UInt64(type.elementSize))
        guard !overflow, bytes <= UInt64(data.count - p) else { throw bad("attribute data overruns its message") }
    }

    /// A dataspace encoding within data[start..<end]: its element count.
    func dataspace(_ data: [UInt8], _ start: Int, _ end: Int) throws -> (elements: UInt64, consumed: Int) {
        guard end <= data.count, start + 8 <= end || (start + 4 <= end && data[start] == 2) else {
            throw bad("short dataspace")
        }
        let version = data[start], rank = Int(data[start + 1]), flags = data[start + 2]
        var p: Int
        switch version {
        case 1:
            p = start + 8
            if rank == 0 { return (1, p - start) }
        case 2:
            p = start + 4
            switch data[start + 3] {
            case 0: return (1, p - start)
            case 1: break
            case 2: return (0, p - start)
            default: throw bad("dataspace of unknown kind \(data[start + 3])")
            }
        default:
            throw bad("dataspace message version \(version)")
        }
        guard rank <= 32 else { throw bad("dataspace rank \(rank) exceeds 32") }
        if version == 1, flags & 2 != 0 { throw unsupported("dataspaces with permutation indices") }
        let fields = rank * (flags & 1 != 0 ? 2 : 1)
        guard p + fields * l <= end else { throw bad("dataspace dimensions overrun their message") }
        var count: UInt64 = 1
        for i in 0..<rank {
            let (next, overflow) = count.multipliedReportingOverflow(by: int(data, p + i * l, l))
            guard !overflow, next <= 1 << 40 else { throw bad("dataspace holds too many elements") }
            count = next
        }
        return (count, p + fields * l - start)
    }

    /// A datatype encoding within data[start..<end]: its size on disk per element.
    func datatype(
        _ data: [UInt8], _ start: Int, _ end: Int, depth: Int
    ) throws -> (elementSize: Int, consumed: Int) {
        guard depth < 4 else { throw unsupported("deeply nested datatypes") }
        guard end <= data.count, start + 8 <= end else { throw bad("short datatype") }
        let typeClass = data[start] & 0x0f, version = data[start] >> 4
        guard (1...3).contains(version) else { throw bad("datatype version \(version)") }
        let bits = int(data, start + 1, 3)
        let size = Int(int(data, start + 4, 4))
        guard size >= 1, size <= 1 << 20 else { throw bad("datatype of \(size) bytes") }
        let p = start + 8
        switch typeClass {
        case 0:  // fixed-point
            guard p + 4 <= end, [1, 2, 4, 8].contains(size) else { throw bad("malformed integer datatype") }
            let offset = int(data, p, 2), precision = int(data, p + 2, 2)
            guard precision >= 1, offset + precision <= UInt64(size * 8) else {
                throw bad("integer datatype precision out of range")
            }
            return (size, 12)
        case 1:  // floating point
            guard p + 12 <= end, [2, 4, 8].contains(size) else { throw bad("malformed float datatype") }
            let offset = int(data, p, 2), precision = int(data, p + 2, 2)
            let exponentAt = UInt64(data[p + 4]), exponentBits = UInt64(data[p + 5])
            let mantissaAt = UInt64(data[p + 6]), mantissaBits = UInt64(data[p + 7])
            let signAt = (bits >> 8) & 0xff
            guard precision >= 1, offset + precision <= UInt64(size * 8),
                exponentBits >= 1, exponentBits <= 32, exponentAt + exponentBits <= precision,
                mantissaBits >= 1, mantissaAt + mantissaBits <= precision, signAt < precision
            else {
                throw bad("float datatype fields out of range")
            }
            return (size, 20)
        case 3:  // fixed-length string
            return (size, 8)
        case 5:  // opaque: a NUL-terminated tag
            let tagLength = Int(bits & 0xff)
            guard p + tagLength <= end else { throw bad("opaque datatype tag overruns") }
            return (size, 8 + tagLength)
        case 8:  // enumeration: base type, names, values
            let members = Int(bits & 0xffff)
            let base = try datatype(data, p, end, depth: depth + 1)
            var q = p + base.consumed
            for _ in 0..<members {
                guard let nul = data[q..<end].firstIndex(of: 0) else { throw bad("enumeration name overruns") }
                q = version < 3 ? q + ((nul - q + 1 + 7) & ~7) : nul + 1
            }
            guard q + members * base.elementSize <= end else { throw bad("enumeration values overrun") }
            return (size, q + members * base.elementSize - start)
        case 9:  // variable-length sequence or string: stored as (length, heap address, index)
            let base = try datatype(data, p, end, depth: depth + 1)
            return (4 + o + 4, 8 + base.consumed)
        default:
            throw unsupported("datatype class \(typeClass)")
        }
    }

    func int(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<width where at + k < bytes.count { v |= UInt64(bytes[at + k]) << (8 * k) }
        return v
    }
}
