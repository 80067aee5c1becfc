// KerasHDF5: tf_keras 2.x legacy `.h5` model files (model.save(..., save_format="h5")) read
// into and written from KerasModelFile, through libhdf5. The reader trusts nothing: it
// probes the superblock first, then checks every attribute type, rank and size against
// KerasH5Limits before allocating, and says in a KerasH5Error what does not match the layout.
import CHDF5
import Foundation
import KerasGraph
import Tensors

public enum KerasH5Error: Error, CustomStringConvertible, Equatable {
    /// The bytes are not an HDF5 file at all (or a truncated one).
    case notHDF5(String)
    /// A readable HDF5 file that does not follow the tf_keras model layout.
    case notKerasModel(String)
    /// HDF5 structures are damaged or inconsistent; libhdf5's reason is included.
    case malformed(String)
    /// Valid HDF5 content this reader does not accept (e.g. compound or string datasets).
    case unsupported(String)
    /// A size bound of KerasH5Limits is exceeded.
    case limitExceeded(String)
    /// The KerasModelFile given to `write` cannot be stored (names, duplicates).
    case invalidModel(String)
    /// libhdf5 failed to create or write the output file.
    case writeFailed(String)

    public var description: String {
        switch self {
        case .notHDF5(let s): return "not an HDF5 file: \(s)"
        case .notKerasModel(let s): return "not a Keras model: \(s)"
        case .malformed(let s): return "damaged HDF5 file: \(s)"
        case .unsupported(let s): return "unsupported Keras HDF5 content: \(s)"
        case .limitExceeded(let s): return "Keras HDF5 file exceeds a limit: \(s)"
        case .invalidModel(let s): return "cannot write Keras HDF5: \(s)"
        case .writeFailed(let s): return "writing Keras HDF5 failed: \(s)"
        }
    }
}

/// Bounds checked while reading, before any buffer of that size is allocated.
public struct KerasH5Limits: Equatable, Sendable {
    /// Largest single weight array, in bytes.
    public var maxArrayBytes: Int
    /// Largest sum of all weight arrays, in bytes.
    public var maxTotalBytes: Int
    /// Largest string attribute (model_config, name lists), in bytes.
    public var maxAttributeBytes: Int
    /// Most entries in layer_names or in one weight_names list.
    public var maxNames: Int
    /// Highest rank of a weight array (Keras kernels have rank ≤ 5).
    public var maxRank: Int

    public init(
        maxArrayBytes: Int = 1 << 31, maxTotalBytes: Int = 1 << 32, maxAttributeBytes: Int = 64 << 20,
        maxNames: Int = 100_000, maxRank: Int = 8
    ) {
        self.maxArrayBytes = maxArrayBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxAttributeBytes = maxAttributeBytes
        self.maxNames = maxNames
        self.maxRank = maxRank
    }

    public static let `default` = KerasH5Limits()
}

public enum KerasH5 {
    /// tf_keras splits a name list attribute into `<name>0`, `<name>1`, … above this size
    /// (HDF5's 64 KiB object header limit minus headroom).
    static let attributeChunkBytes = 64_512

    // MARK: Reading

    /// Reads a tf_keras `.h5` model: model_config, versions, and every layer's weights in
    /// `weight_names` order for the layers of `layer_names`.
    public static func read(_ url: URL, limits: KerasH5Limits = .default) throws -> KerasModelFile {
        // The superblock and every reachable structure are checked before libhdf5 sees the file.
        let raw = try HDF5RawFile(url: url)
        try HDF5Structure.validate(raw)
        return try HDF5.locked {
            let fapl = H5Pcreate(chdf5_p_file_access())
            defer { H5Pclose(fapl) }
            // Strong close: closing the file also closes anything a failed read left open.
            _ = H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
            let file = H5Fopen(url.path, chdf5_acc_rdonly(), fapl)
            try HDF5.check(file) { .notHDF5("libhdf5 cannot open it: \($0)") }
            defer { H5Fclose(file) }
            return try readModel(file, raw: raw, limits: limits)
        }
    }

    private static func readModel(_ file: hid_t, raw: HDF5RawFile, limits: KerasH5Limits) throws -> KerasModelFile {
        guard let configText = try HDF5.strings(file, "model_config", what: "root", file: raw, limits: limits)?.first
        else {
            if try HDF5.strings(file, "layer_names", what: "root", file: raw, limits: limits) != nil {
                throw KerasH5Error.notKerasModel(
                    "no model_config attribute; this is a weights-only file (save_weights), "
                        + "save the whole model with model.save(path)"
                )
            }
            throw KerasH5Error.notKerasModel(
                "no model_config attribute at the root; expected a tf_keras model saved with model.save(\"model.h5\")")
        }
        let config: JSONValue
        do { config = try JSONValue(parsing: configText) } catch {
            throw KerasH5Error.notKerasModel("model_config is not valid JSON (\(error))")
        }
        guard config["class_name"]?.string != nil, config["config"]?.objectPairs != nil else {
            throw KerasH5Error.notKerasModel("model_config has no class_name/config pair")
        }
        let kerasVersion = try HDF5.strings(file, "keras_version", what: "root", file: raw, limits: limits)?.first
        let backend = try HDF5.strings(file, "backend", what: "root", file: raw, limits: limits)?.first

        guard HDF5.exists(file, "model_weights") else {
            throw KerasH5Error.notKerasModel("no /model_weights group; the file holds a model_config but no weights")
        }
        let weightsGroup = H5Gopen2(file, "model_weights", HDF5.pDefault)
        try HDF5.check(weightsGroup) { .notKerasModel("/model_weights is not a group: \($0)") }
        defer { H5Gclose(weightsGroup) }
        let layerNames = try names(weightsGroup, "layer_names", what: "/model_weights", file: raw, limits: limits)
        guard Set(layerNames).count == layerNames.count else {
            throw KerasH5Error.notKerasModel("/model_weights layer_names lists a layer twice")
        }
        var weights: [String: [NamedWeight]] = [:]
        var budget = limits.maxTotalBytes
        for layer in layerNames {
            let what = "/model_weights/\(layer)"
            guard HDF5.exists(weightsGroup, layer) else {
                throw KerasH5Error.notKerasModel("layer_names lists '\(layer)' but there is no \(what) group")
            }
            let group = H5Gopen2(weightsGroup, layer, HDF5.pDefault)
            try HDF5.check(group) { .notKerasModel("\(what) is not a group: \($0)") }
            defer { H5Gclose(group) }
            let weightNames = try names(group, "weight_names", what: what, file: raw, limits: limits)
            var layerWeights: [NamedWeight] = []
            for name in weightNames {
                guard HDF5.exists(group, name) else {
                    throw KerasH5Error.notKerasModel(
                        "\(what) weight_names lists '\(name)' but there is no such dataset")
                }
                let array = try HDF5.array(
                    group, name, what: "weight \(what)/\(name)", fileSize: raw.size,
                    limits: limits, budget: &budget)
                layerWeights.append(NamedWeight(name: name, array: array))
            }
            weights[layer] = layerWeights
        }
        return KerasModelFile(
            modelConfig: config, kerasVersion: kerasVersion, backend: backend,
            weights: weights, layerNames: layerNames)
    }

    /// A name-list attribute, whole or split into numbered chunks as tf_keras writes large ones.
    private static func names(
        _ object: hid_t, _ name: String, what: String, file raw: HDF5RawFile, limits: KerasH5Limits
    ) throws -> [String] {
        if let whole = try HDF5.strings(object, name, what: what, file: raw, limits: limits) { return whole }
        var all: [String] = []
        var index = 0
        while let chunk = try HDF5.strings(object, "\(name)\(index)", what: what, file: raw, limits: limits) {
            all += chunk
            guard all.count <= limits.maxNames else {
                throw KerasH5Error.limitExceeded("\(what) '\(name)' lists more than \(limits.maxNames) names")
            }
            index += 1
        }
        guard index > 0 else { throw KerasH5Error.notKerasModel("\(what) has no '\(name)' attribute") }
        return all
    }

    // MARK: Writing

    /// Writes `model` in the layout tf_keras's `model.save(path, save_format="h5")` produces,
    /// so tf_keras (and quantizeml for quantized models) load it, plus `rootAttributes` (string
    /// attributes Keras ignores, e.g. provenance). Written to a temporary file next to `url`, then
    /// moved into place.
    public static func write(_ model: KerasModelFile, to url: URL, rootAttributes: [(String, String)] = []) throws {
        try validate(model)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try HDF5.locked {
            let file = H5Fcreate(temporary.path, chdf5_acc_trunc(), HDF5.pDefault, HDF5.pDefault)
            try HDF5.check(file) { .writeFailed("cannot create \(temporary.path): \($0)") }
            defer { H5Fclose(file) }
            try writeModel(model, file)
            for (name, value) in rootAttributes {
                try HDF5.writeStrings(file, name, [value], scalar: true, utf8: true)
            }
            try HDF5.check(H5Fflush(file, H5F_SCOPE_GLOBAL)) { .writeFailed("flush failed: \($0)") }
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw KerasH5Error.writeFailed(
                "cannot move the written file to \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    private static func validate(_ model: KerasModelFile) throws {
        guard Set(model.layerNames).count == model.layerNames.count else {
            throw KerasH5Error.invalidModel("layerNames lists a layer twice")
        }
        for layer in model.weights.keys where !model.layerNames.contains(layer) {
            throw KerasH5Error.invalidModel("weights are given for '\(layer)', which is not in layerNames")
        }
        func validPath(_ s: String) -> Bool {
            !s.isEmpty
                && s.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
                    !$0.isEmpty && $0 != "." && $0 != ".."
                }
        }
        for layer in model.layerNames {
            guard validPath(layer), layer != "top_level_model_weights" else {
                throw KerasH5Error.invalidModel("layer name '\(layer)' cannot be an HDF5 group name")
            }
            let names = (model.weights[layer] ?? []).map(\.name)
            guard Set(names).count == names.count else {
                throw KerasH5Error.invalidModel("layer '\(layer)' has two weights with the same name")
            }
            for name in names where !validPath(name) {
                throw KerasH5Error.invalidModel("weight name '\(name)' of layer '\(layer)' cannot be an HDF5 path")
            }
        }
    }

    private static func writeModel(_ model: KerasModelFile, _ file: hid_t) throws {
        // Root attributes as tf_keras sets them: str values (UTF-8) and the JSON as bytes (ASCII).
        if let v = model.kerasVersion { try HDF5.writeStrings(file, "keras_version", [v], scalar: true, utf8: true) }
        if let b = model.backend { try HDF5.writeStrings(file, "backend", [b], scalar: true, utf8: true) }
        try HDF5.writeStrings(file, "model_config", [model.modelConfig.serialized()], scalar: true, utf8: false)

        let lcpl = HDF5.intermediateGroups()
        defer { H5Pclose(lcpl) }
        let weightsGroup = H5Gcreate2(file, "model_weights", lcpl, HDF5.pDefault, HDF5.pDefault)
        try HDF5.check(weightsGroup) { .writeFailed("cannot create /model_weights: \($0)") }
        defer { H5Gclose(weightsGroup) }
        try writeNames(weightsGroup, "layer_names", model.layerNames)
        if let b = model.backend { try HDF5.writeStrings(weightsGroup, "backend", [b], scalar: true, utf8: false) }
        if let v = model.kerasVersion {
            try HDF5.writeStrings(weightsGroup, "keras_version", [v], scalar: true, utf8: false)
        }

        // Sorted like tf_keras, so that a group "a" exists before "a/b" is created inside it.
        for layer in model.layerNames.sorted() {
            try writeLayer(weightsGroup, layer, model.weights[layer] ?? [], lcpl: lcpl)
        }
        try writeLayer(weightsGroup, "top_level_model_weights", [], lcpl: lcpl)
    }

    private static func writeLayer(_ parent: hid_t, _ layer: String, _ weights: [NamedWeight], lcpl: hid_t) throws {
        let group: hid_t
        if HDF5.exists(parent, layer) {
            group = H5Gopen2(parent, layer, HDF5.pDefault)
        } else {
            group = H5Gcreate2(parent, layer, lcpl, HDF5.pDefault, HDF5.pDefault)
        }
        try HDF5.check(group) { .writeFailed("cannot create group /model_weights/\(layer): \($0)") }
        defer { H5Gclose(group) }
        try writeNames(group, "weight_names", weights.map(\.name))
        for weight in weights {
            try writeArray(group, weight.name, weight.array, lcpl: lcpl, what: "/model_weights/\(layer)/\(weight.name)")
        }
    }

    /// A name list as tf_keras stores it: variable-length strings, an empty float64 array
    /// for no names, or fixed-length chunks `<name>0`, `<name>1`, … when it is too large
    /// for one object header.
    private static func writeNames(_ object: hid_t, _ name: String, _ values: [String]) throws {
        if values.isEmpty { return try HDF5.writeEmptyList(object, name) }
        let width = values.map(\.utf8.count).max() ?? 0
        guard width * values.count > attributeChunkBytes else {
            return try HDF5.writeStrings(object, name, values, scalar: false, utf8: false)
        }
        guard width <= attributeChunkBytes else {
            throw KerasH5Error.invalidModel("a name in '\(name)' is longer than \(attributeChunkBytes) bytes")
        }
        // numpy.array_split: the first (count % chunks) parts get one extra element.
        var chunks = 1
        while (values.count + chunks - 1) / chunks * width > attributeChunkBytes { chunks += 1 }
        var start = 0
        for index in 0..<chunks {
            let size = values.count / chunks + (index < values.count % chunks ? 1 : 0)
            try HDF5.writeFixedStrings(object, "\(name)\(index)", Array(values[start..<(start + size)]))
            start += size
        }
    }

    private static func writeArray(_ group: hid_t, _ path: String, _ array: NDArray, lcpl: hid_t, what: String) throws {
        let type = HDF5.fileType(for: array.dtype)
        defer { H5Tclose(type) }
        var dims = array.shape.map { hsize_t($0) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(group, path, type, space, lcpl, HDF5.pDefault, HDF5.pDefault)
        try HDF5.check(dataset) { .writeFailed("cannot create dataset \(what): \($0)") }
        defer { H5Dclose(dataset) }
        guard !array.bytes.isEmpty else { return }
        // NDArray bytes are little-endian, exactly the file type: HDF5 copies them unconverted.
        try array.bytes.withUnsafeBytes { raw in
            try HDF5.check(H5Dwrite(dataset, type, chdf5_s_all(), chdf5_s_all(), HDF5.pDefault, raw.baseAddress)) {
                .writeFailed("cannot write dataset \(what): \($0)")
            }
        }
    }
}
