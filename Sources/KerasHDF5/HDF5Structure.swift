// Structural validation of an HDF5 file before libhdf5 reads it. libhdf5 1.10 decodes
// object-header messages, B-tree nodes and heap offsets with few bounds checks, so a
// corrupted file can make it read past its buffers. This walks every object reachable from
// the root group — the subset of the format tf_keras/h5py write by default (superblock 0/1,
// version 1 object headers, symbol-table groups, contiguous or compact datasets) — and checks
// each structure fits where it claims to be. Anything outside that subset is refused as
// unsupported rather than handed to the library.
import Foundation

struct HDF5Structure {
    let file: HDF5RawFile
    let sb: HDF5Probe.Superblock
    var visitedObjects = Set<UInt64>()
    var visitedNodes = Set<UInt64>()
    var heaps: [UInt64: [UInt8]] = [:]
    let maxObjects = 200_000
    let maxChunkBytes = 16 << 20

    /// Throws unless every object reachable from the root passes the checks.
    static func validate(_ file: HDF5RawFile) throws {
        var walker = HDF5Structure(file: file, sb: file.superblock)
        try walker.validateRoot()
    }

    init(file: HDF5RawFile, sb: HDF5Probe.Superblock) {
        self.file = file
        self.sb = sb
    }

    var o: Int { sb.offsetsSize }
    var l: Int { sb.lengthsSize }
    var undefined: UInt64 { o == 8 ? .max : (1 << (8 * UInt64(o))) - 1 }

    func bad(_ s: String) -> KerasH5Error { .malformed(s) }
    func unsupported(_ s: String) -> KerasH5Error {
        .unsupported("\(s); tf_keras files use the default h5py layout")
    }

    /// `count` bytes at file address `address` (relative to the base address).
    func read(_ address: UInt64, _ count: Int, _ what: String) throws -> [UInt8] {
        let (absolute, overflow) = address.addingReportingOverflow(UInt64(sb.baseAddress))
        guard !overflow, absolute <= UInt64(file.size), count >= 0, UInt64(count) <= UInt64(file.size) - absolute else {
            throw bad("\(what) at address \(address) (\(count) bytes) lies outside the \(file.size)-byte file")
        }
        return try file.bytes(at: Int(absolute), count: count)
    }

    // MARK: Root and groups

    mutating func validateRoot() throws {
        guard sb.version <= 1 else {
            throw unsupported("superblock version \(sb.version) (a file written with libver='latest')")
        }
        guard sb.driverInfoAddress == undefined else { throw unsupported("a file-driver information block") }
        guard sb.groupLeafK > 0, sb.groupInternalK > 0, sb.groupLeafK <= 1024, sb.groupInternalK <= 1024 else {
            throw bad("superblock B-tree parameters are out of range")
        }
        let entry = try file.bytes(at: sb.rootEntryOffset, count: 2 * o + 24)
        try validateSymbolEntry(entry, 0, heap: nil, depth: 0)
    }

    /// A symbol-table entry: name offset, object header address, cache type, scratch pad.
    mutating func validateSymbolEntry(_ bytes: [UInt8], _ at: Int, heap: [UInt8]?, depth: Int) throws {
        let nameOffset = int(bytes, at, o)
        if let heap { try checkName(heap, nameOffset) }
        let header = int(bytes, at + o, o)
        let cacheType = int(bytes, at + 2 * o, 4)
        guard cacheType <= 2 else { throw bad("symbol-table entry has unknown cache type \(cacheType)") }
        if cacheType == 1 {
            // libhdf5 may use the cached B-tree and heap addresses instead of the object's own.
            try validateGroup(
                btree: int(bytes, at + 2 * o + 8, o), heap: int(bytes, at + 3 * o + 8, o), depth: depth + 1)
        }
        try validateObject(header, depth: depth + 1)
    }

    mutating func localHeap(_ address: UInt64) throws -> [UInt8] {
        if let known = heaps[address] { return known }
        let head = try read(address, 8 + 2 * l + o, "local heap")
        guard Array(head[0..<4]) == Array("HEAP".utf8), head[4] == 0 else {
            throw bad("no local heap at address \(address)")
        }
        let size = int(head, 8, l)
        let data = int(head, 8 + 2 * l, o)
        guard size <= UInt64(maxChunkBytes) else { throw bad("local heap at \(address) declares \(size) bytes") }
        let bytes = try read(data, Int(size), "local heap data")
        heaps[address] = bytes
        return bytes
    }

    func checkName(_ heap: [UInt8], _ offset: UInt64) throws {
        guard offset < UInt64(heap.count), heap[Int(offset)...].contains(0) else {
            throw bad("a link name offset (\(offset)) lies outside its local heap")
        }
    }

    /// A symbol-table group: its local heap and the B-tree of symbol nodes naming its members.
    mutating func validateGroup(btree: UInt64, heap heapAddress: UInt64, depth: Int) throws {
        let heap = try localHeap(heapAddress)
        try validateGroupNode(btree, heap: heap, expectedLevel: nil, depth: depth)
    }

    mutating func validateGroupNode(_ address: UInt64, heap: [UInt8], expectedLevel: Int?, depth: Int) throws {
        guard depth < 64 else { throw bad("groups nest deeper than 64 levels or form a cycle") }
        guard visitedNodes.insert(address).inserted else { return }
        let twoK = 2 * sb.groupInternalK
        let size = 8 + 2 * o + (twoK + 1) * l + twoK * o
        let node = try read(address, size, "group B-tree node")
        guard Array(node[0..<4]) == Array("TREE".utf8), node[4] == 0 else {
            throw bad("no group B-tree node at address \(address)")
        }
        let level = Int(node[5])
        let used = Int(int(node, 6, 2))
        if let expectedLevel, level != expectedLevel {
            throw bad("group B-tree node at \(address) has level \(level), expected \(expectedLevel)")
        }
        guard used <= twoK else {
            throw bad("group B-tree node at \(address) lists \(used) children, more than \(twoK)")
        }
        var p = 8 + 2 * o
        for i in 0...used {
            try checkName(heap, int(node, p, l))
            p += l
            guard i < used else { break }
            let child = int(node, p, o)
            p += o
            if level > 0 {
                try validateGroupNode(child, heap: heap, expectedLevel: level - 1, depth: depth + 1)
            } else {
                try validateSymbolNode(child, heap: heap, depth: depth + 1)
            }
        }
    }

    mutating func validateSymbolNode(_ address: UInt64, heap: [UInt8], depth: Int) throws {
        guard visitedNodes.insert(address).inserted else { return }
        let entrySize = 2 * o + 24
        let capacity = 2 * sb.groupLeafK
        let node = try read(address, 8 + capacity * entrySize, "symbol-table node")
        guard Array(node[0..<4]) == Array("SNOD".utf8), node[4] == 1 else {
            throw bad("no symbol-table node at address \(address)")
        }
        let count = Int(int(node, 6, 2))
        guard count <= capacity else {
            throw bad("symbol-table node at \(address) holds \(count) entries, more than \(capacity)")
        }
        for i in 0..<count {
            try validateSymbolEntry(node, 8 + i * entrySize, heap: heap, depth: depth)
        }
    }

    // MARK: Object headers

    mutating func validateObject(_ address: UInt64, depth: Int) throws {
        guard depth < 64 else { throw bad("groups nest deeper than 64 levels or form a cycle") }
        guard visitedObjects.insert(address).inserted else { return }
        guard visitedObjects.count <= maxObjects else {
            throw KerasH5Error.limitExceeded("more than \(maxObjects) HDF5 objects")
        }
        let prefix = try read(address, 16, "object header")
        if Array(prefix[0..<4]) == Array("OHDR".utf8) { throw unsupported("version 2 object headers") }
        guard prefix[0] == 1 else { throw bad("object header at \(address) has unknown version \(prefix[0])") }
        var chunks: [(UInt64, Int)] = [(address + 16, Int(int(prefix, 8, 4)))]
        var seenChunks = Set<UInt64>()
        var messages: [(type: Int, data: [UInt8])] = []
        while let (chunkAddress, chunkSize) = chunks.popLast() {
            guard seenChunks.insert(chunkAddress).inserted, seenChunks.count <= 1024 else {
                throw bad("object header at \(address) has looping or too many continuation blocks")
            }
            guard chunkSize <= maxChunkBytes else {
                throw bad("object header block of \(chunkSize) bytes at \(chunkAddress)")
            }
            let chunk = try read(chunkAddress, chunkSize, "object header block")
            var p = 0
            while p + 8 <= chunk.count {
                let type = Int(int(chunk, p, 2))
                let size = Int(int(chunk, p + 2, 2))
                let flags = chunk[p + 4]
                guard size <= chunk.count - p - 8 else {
                    throw bad("object header message of type \(type) at \(address) overruns its block")
                }
                let data = Array(chunk[(p + 8)..<(p + 8 + size)])
                guard flags & 0x02 == 0 else { throw unsupported("shared object header messages (type \(type))") }
                if type == 0x10 {
                    guard data.count >= o + l else { throw bad("short continuation message at \(address)") }
                    chunks.append((int(data, 0, o), Int(clamping: int(data, o, l))))
                }
                messages.append((type, data))
                p += 8 + size
            }
        }
        var elements: UInt64?
        var elementSize: Int?
        var layout: [UInt8]?
        for (type, data) in messages {
            switch type {
            case 0x00, 0x10:
                continue  // NIL; continuation blocks are followed above
            case 0x0E, 0x12, 0x16:
                // Old and new modification times and the reference count: fixed-size decodes.
                guard data.count >= [0x0E: 16, 0x12: 8, 0x16: 5][type, default: 0] else {
                    throw bad("short object header message of type \(type)")
                }
            case 0x01:
                elements = try dataspace(data, 0, data.count).elements
            case 0x03:
                elementSize = try datatype(data, 0, data.count, depth: 0).elementSize
            case 0x04:
                guard data.count >= 4, int(data, 0, 4) <= UInt64(data.count - 4) else {
                    throw bad("fill value message overruns")
                }
            case 0x05:
                try fillValue(data)
            case 0x08:
                layout = data
            case 0x0C:
                try attribute(data)
            case 0x11:
                guard data.count >= 2 * o else { throw bad("short symbol-table message") }
                try validateGroup(btree: int(data, 0, o), heap: int(data, o, o), depth: depth + 1)
            default:
                throw unsupported("object header message type \(type)")
            }
        }
        if let layout {
            guard let elements, let elementSize else {
                throw bad("dataset at \(address) lacks a dataspace or datatype")
            }
            try dataLayout(layout, bytes: elements.multipliedReportingOverflow(by: UInt64(elementSize)))
        }
    }
}
