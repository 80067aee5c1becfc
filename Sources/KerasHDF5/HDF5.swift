// The libhdf5 boundary of KerasHDF5: one process-wide lock around every HDF5 call (the
// Debian build is not thread-safe), the error stack turned into text, and the few typed
// operations the Keras layout needs — string attributes, numeric datasets, groups.
// Everything read is checked against KerasH5Limits before any buffer is allocated.
import CHDF5
import Foundation
import Tensors

enum HDF5 {
    private static let lock = NSLock()
    private static var initialized = false

    /// Runs `body` holding the HDF5 lock; the first call silences automatic error printing.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        if !initialized {
            _ = H5open()
            _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
            registerRawReferenceConversion()
            initialized = true
        }
        return try body()
    }

    static let pDefault = hid_t(H5P_DEFAULT)

    /// Variable-length strings are read as opaque blobs of their disk references (see
    /// GlobalHeap.swift). HDF5 has no such conversion, so this registers one that leaves the
    /// disk bytes in place: the conversion buffer already holds them.
    private static func registerRawReferenceConversion() {
        let vlenString = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(vlenString) }
        _ = H5Tset_size(vlenString, chdf5_variable())
        let opaque = H5Tcreate(H5T_OPAQUE, 16)
        defer { H5Tclose(opaque) }
        let keepDiskBytes: H5T_conv_t = { source, destination, cdata, _, _, _, _, _, _ in
            guard let cdata else { return -1 }
            if cdata.pointee.command == H5T_CONV_INIT {
                cdata.pointee.need_bkg = H5T_BKG_NO
                // Only disk-resident variable-length strings whose size equals the opaque target.
                guard H5Tis_variable_str(source) > 0, H5Tget_class(destination) == H5T_OPAQUE,
                    H5Tget_size(source) == H5Tget_size(destination)
                else { return -1 }
            }
            return 0
        }
        _ = H5Tregister(H5T_PERS_SOFT, "spikeforge: vlen string disk references", vlenString, opaque, keepDiskBytes)
    }

    /// The innermost messages of the current error stack, e.g. "truncated file: eof = …".
    static func errorStack() -> String {
        final class Collector { var lines: [String] = [] }
        let collector = Collector()
        let walker: H5E_walk2_t = { _, entry, data in
            guard let entry = entry?.pointee, let data else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
            var text = entry.desc.map { String(cString: $0) } ?? ""
            var buffer = [CChar](repeating: 0, count: 256)
            if H5Eget_msg(entry.min_num, nil, &buffer, buffer.count) > 0 {
                let minor = String(cString: buffer)
                text = text.isEmpty ? minor : "\(text) (\(minor))"
            }
            if !text.isEmpty { collector.lines.append(text) }
            return 0
        }
        _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(collector).toOpaque())
        _ = H5Eclear2(chdf5_e_default())
        // The deepest entries name the cause; the outer ones repeat "unable to open file".
        return collector.lines.suffix(2).reversed().joined(separator: ": ")
    }

    /// Throws `make(detail)` with the error stack appended when `status` is negative.
    static func check<I: BinaryInteger>(_ status: I, _ make: (String) -> KerasH5Error) throws {
        if status < 0 { throw make(errorStack()) }
    }

    static func failure(_ what: String) -> (String) -> KerasH5Error {
        { stack in .malformed(stack.isEmpty ? what : "\(what): \(stack)") }
    }

    // MARK: Dataspaces

    /// Dimensions of a dataspace: [] for a scalar, rejecting null spaces and ranks above `maxRank`.
    static func extent(_ space: hid_t, what: String, maxRank: Int) throws -> [Int] {
        let kind = H5Sget_simple_extent_type(space)
        if kind == H5S_SCALAR { return [] }
        guard kind == H5S_SIMPLE else { throw KerasH5Error.malformed("\(what) has an empty (null) dataspace") }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw failure("\(what): unreadable dataspace")(errorStack()) }
        guard rank <= maxRank else {
            throw KerasH5Error.limitExceeded("\(what) has rank \(rank); at most \(maxRank) is accepted")
        }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        try check(H5Sget_simple_extent_dims(space, &dims, nil), failure("\(what): unreadable dimensions"))
        var shape: [Int] = []
        for d in dims.prefix(rank) {
            guard d <= hsize_t(Int32.max) else { throw KerasH5Error.limitExceeded("\(what) has a dimension of \(d)") }
            shape.append(Int(d))
        }
        return shape
    }

    /// Element count of `shape` times `elementSize`, nil when it overflows.
    static func byteCount(_ shape: [Int], elementSize: Int) -> Int? {
        var total = elementSize
        for d in shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = p
        }
        return total
    }

    // MARK: Links

    /// Whether every component of `path` (relative to `loc`) exists as a link.
    static func exists(_ loc: hid_t, _ path: String) -> Bool {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component != ".", component != ".." else { return false }
            prefix += prefix.isEmpty ? String(component) : "/" + component
            if H5Lexists(loc, prefix, pDefault) <= 0 { _ = H5Eclear2(chdf5_e_default()); return false }
        }
        return !prefix.isEmpty
    }

    // MARK: String attributes

    /// Reads attribute `name` of `object` as strings: nil if absent, [] for an empty numeric
    /// array (how h5py stores an empty list), otherwise every element of a fixed- or
    /// variable-length string attribute.
    static func strings(
        _ object: hid_t, _ name: String, what: String, file: HDF5RawFile,
        limits: KerasH5Limits
    ) throws -> [String]? {
        let present = H5Aexists(object, name)
        try check(present, failure("\(what): cannot look up attribute '\(name)'"))
        guard present > 0 else { return nil }
        let attr = H5Aopen(object, name, pDefault)
        try check(attr, failure("\(what): cannot open attribute '\(name)'"))
        defer { H5Aclose(attr) }
        let space = H5Aget_space(attr)
        try check(space, failure("\(what): attribute '\(name)' has no dataspace"))
        defer { H5Sclose(space) }
        let type = H5Aget_type(attr)
        try check(type, failure("\(what): attribute '\(name)' has no type"))
        defer { H5Tclose(type) }
        let shape = try extent(space, what: "\(what) attribute '\(name)'", maxRank: 1)
        let count = shape.first ?? 1
        guard count <= limits.maxNames else {
            throw KerasH5Error.limitExceeded(
                "\(what) attribute '\(name)' holds \(count) strings; the limit is \(limits.maxNames)")
        }
        let typeClass = H5Tget_class(type)
        if typeClass != H5T_STRING {
            if count == 0 { return [] }
            throw KerasH5Error.notKerasModel(
                "\(what) attribute '\(name)' is not a string (HDF5 type class \(typeClass.rawValue))")
        }
        if count == 0 { return [] }
        let variable = H5Tis_variable_str(type)
        try check(variable, failure("\(what): attribute '\(name)' has an unreadable string type"))
        if variable > 0 {
            let memType = H5Tcreate(H5T_OPAQUE, file.referenceSize)
            defer { H5Tclose(memType) }
            var raw = [UInt8](repeating: 0, count: count * file.referenceSize)
            try check(H5Aread(attr, memType, &raw), failure("\(what): cannot read attribute '\(name)'"))
            return try file.strings(
                fromReferences: raw, count: count, maxBytes: limits.maxAttributeBytes,
                what: "\(what) attribute '\(name)'"
            )
            .map { bytes in try bytes.withUnsafeBytes { try decode($0, what: "\(what) attribute '\(name)'") } }
        }
        let size = H5Tget_size(type)
        guard size > 0, let total = byteCount([count], elementSize: size), total <= limits.maxAttributeBytes else {
            throw KerasH5Error.limitExceeded(
                "\(what) attribute '\(name)' (\(count) strings of \(size) bytes) exceeds "
                    + "\(limits.maxAttributeBytes) bytes"
            )
        }
        let memType = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(memType) }
        _ = H5Tset_size(memType, size)
        _ = H5Tset_strpad(memType, H5T_STR_NULLPAD)
        var buffer = [UInt8](repeating: 0, count: total)
        try check(H5Aread(attr, memType, &buffer), failure("\(what): cannot read attribute '\(name)'"))
        let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
        return try (0..<count).map { i in
            var field = buffer[(i * size)..<((i + 1) * size)]
            if let nul = field.firstIndex(of: 0) { field = field[..<nul] }
            if spacePadded { while field.last == 0x20 { field = field.dropLast() } }
            return try field.withUnsafeBytes { try decode($0, what: "\(what) attribute '\(name)'") }
        }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, what: String) throws -> String {
        guard let s = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw KerasH5Error.notKerasModel("\(what) is not valid UTF-8 text")
        }
        return s
    }

    // MARK: Numeric datasets

    /// Reads the dataset at `path` below `loc` as an NDArray after checking its type, rank
    /// and size; `budget` is the byte allowance left for the whole file and is charged here.
    static func array(
        _ loc: hid_t, _ path: String, what: String, fileSize: Int,
        limits: KerasH5Limits, budget: inout Int
    ) throws -> NDArray {
        let dataset = H5Dopen2(loc, path, pDefault)
        try check(dataset, failure("\(what) cannot be opened as a dataset"))
        defer { H5Dclose(dataset) }
        let type = H5Dget_type(dataset)
        try check(type, failure("\(what) has no readable type"))
        defer { H5Tclose(type) }
        let (dtype, memType) = try memoryType(for: type, what: what)
        defer { H5Tclose(memType) }
        let space = H5Dget_space(dataset)
        try check(space, failure("\(what) has no readable dataspace"))
        defer { H5Sclose(space) }
        let shape = try extent(space, what: what, maxRank: limits.maxRank)
        guard let bytes = byteCount(shape, elementSize: dtype.byteSize), bytes <= limits.maxArrayBytes else {
            throw KerasH5Error.limitExceeded(
                "\(what) of shape \(shape) (\(dtype.rawValue)) exceeds the \(limits.maxArrayBytes)-byte limit per array"
            )
        }
        guard bytes <= budget else {
            throw KerasH5Error.limitExceeded("the weights exceed \(limits.maxTotalBytes) bytes in total (at \(what))")
        }
        // Uncompressed contiguous data must physically fit in the file.
        let dcpl = H5Dget_create_plist(dataset)
        try check(dcpl, failure("\(what) has no creation properties"))
        defer { H5Pclose(dcpl) }
        if H5Pget_layout(dcpl) == H5D_CONTIGUOUS, bytes > fileSize {
            throw KerasH5Error.malformed("\(what) declares \(bytes) bytes of data but the file has \(fileSize)")
        }
        budget -= bytes
        var buffer = [UInt8](repeating: 0, count: bytes)
        if bytes > 0 {
            try buffer.withUnsafeMutableBytes { raw in
                try check(
                    H5Dread(dataset, memType, chdf5_s_all(), chdf5_s_all(), pDefault, raw.baseAddress),
                    failure("\(what) cannot be read"))
            }
        }
        if dtype == .bool { for i in buffer.indices where buffer[i] > 1 { buffer[i] = 1 } }
        return try NDArray(dtype: dtype, shape: shape, bytes: buffer)
    }

    /// The DType of a file type and a little-endian memory type HDF5 converts it to.
    private static func memoryType(for type: hid_t, what: String) throws -> (DType, hid_t) {
        let size = H5Tget_size(type)
        let typeClass = H5Tget_class(type)
        if typeClass == H5T_INTEGER {
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            let dtype: DType?
            switch size {
            case 1: dtype = signed ? .int8 : .uint8
            case 2: dtype = signed ? .int16 : .uint16
            case 4: dtype = signed ? .int32 : .uint32
            case 8: dtype = signed ? .int64 : .uint64
            default: dtype = nil
            }
            if let dtype { return (dtype, fileType(for: dtype)) }
        } else if typeClass == H5T_FLOAT {
            switch size {
            case 4: return (.float32, fileType(for: .float32))
            case 8: return (.float64, fileType(for: .float64))
            case 2:
                var s = 0, e = 0, es = 0, m = 0, ms = 0
                if H5Tget_fields(type, &s, &e, &es, &m, &ms) >= 0, (s, e, es, m, ms) == (15, 10, 5, 0, 10),
                    H5Tget_ebias(type) == 15
                {
                    return (.float16, fileType(for: .float16))
                }
            default: break
            }
        } else if typeClass == H5T_ENUM, size == 1, H5Tget_nmembers(type) == 2 {
            return (.bool, H5Tcopy(type))
        }
        _ = H5Eclear2(chdf5_e_default())
        throw KerasH5Error.unsupported(
            "\(what) has HDF5 type class \(typeClass.rawValue) of \(size) bytes; "
                + "accepted: float16/32/64, int8..int64, uint8..uint64, bool"
        )
    }

    // MARK: Writing

    /// The little-endian file type h5py uses for `dtype`, as a new type the caller closes.
    static func fileType(for dtype: DType) -> hid_t {
        switch dtype {
        case .int8: return H5Tcopy(chdf5_std_i8le())
        case .uint8: return H5Tcopy(chdf5_std_u8le())
        case .int16: return H5Tcopy(chdf5_std_i16le())
        case .uint16: return H5Tcopy(chdf5_std_u16le())
        case .int32: return H5Tcopy(chdf5_std_i32le())
        case .uint32: return H5Tcopy(chdf5_std_u32le())
        case .int64: return H5Tcopy(chdf5_std_i64le())
        case .uint64: return H5Tcopy(chdf5_std_u64le())
        case .float32: return H5Tcopy(chdf5_ieee_f32le())
        case .float64: return H5Tcopy(chdf5_ieee_f64le())
        case .float16: return halfType()
        case .bool:
            // h5py stores numpy bool as an int8 enum {FALSE: 0, TRUE: 1}.
            let t = H5Tenum_create(chdf5_native_int8())
            var no: Int8 = 0, yes: Int8 = 1
            _ = H5Tenum_insert(t, "FALSE", &no)
            _ = H5Tenum_insert(t, "TRUE", &yes)
            return t
        }
    }

    /// IEEE binary16, little-endian, built the way h5py defines numpy's float16.
    private static func halfType() -> hid_t {
        let t = H5Tcopy(chdf5_ieee_f32le())
        _ = H5Tset_fields(t, 15, 10, 5, 0, 10)
        _ = H5Tset_size(t, 2)
        _ = H5Tset_ebias(t, 15)
        return t
    }

    /// A link-creation property list that creates missing intermediate groups.
    static func intermediateGroups() -> hid_t {
        let lcpl = H5Pcreate(chdf5_p_link_create())
        _ = H5Pset_create_intermediate_group(lcpl, 1)
        return lcpl
    }

    /// Writes a scalar or 1-D variable-length string attribute (`scalar` picks the former).
    static func writeStrings(_ object: hid_t, _ name: String, _ values: [String], scalar: Bool, utf8: Bool) throws {
        let type = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(type) }
        _ = H5Tset_size(type, chdf5_variable())
        _ = H5Tset_cset(type, utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII)
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let pointers = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        try write(object, name, type: type, space: space) { attr in
            var raw = pointers.map { UnsafePointer<CChar>($0) }
            return H5Awrite(attr, type, &raw)
        }
    }

    /// Writes a 1-D fixed-length byte-string attribute, as numpy 'S' arrays are stored.
    static func writeFixedStrings(_ object: hid_t, _ name: String, _ values: [String]) throws {
        let width = max(1, values.map(\.utf8.count).max() ?? 1)
        let type = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(type) }
        _ = H5Tset_size(type, width)
        _ = H5Tset_strpad(type, H5T_STR_NULLPAD)
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        var buffer = [UInt8](repeating: 0, count: width * values.count)
        for (i, v) in values.enumerated() {
            buffer.replaceSubrange((i * width)..<(i * width + v.utf8.count), with: v.utf8)
        }
        try write(object, name, type: type, space: space) { H5Awrite($0, type, &buffer) }
    }

    /// Writes an empty float64 array attribute: what h5py stores for an empty Python list.
    static func writeEmptyList(_ object: hid_t, _ name: String) throws {
        var dims = [hsize_t(0)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        var nothing: Double = 0
        try write(object, name, type: chdf5_ieee_f64le(), space: space) { H5Awrite($0, chdf5_ieee_f64le(), &nothing) }
    }

    private static func write(
        _ object: hid_t, _ name: String, type: hid_t, space: hid_t,
        _ body: (hid_t) -> herr_t
    ) throws {
        let attr = H5Acreate2(object, name, type, space, pDefault, pDefault)
        try check(attr) { .writeFailed("cannot create attribute '\(name)': \($0)") }
        defer { H5Aclose(attr) }
        try check(body(attr)) { .writeFailed("cannot write attribute '\(name)': \($0)") }
    }
}
