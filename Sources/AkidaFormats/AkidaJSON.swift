// Akida JSON: reading and writing models in exactly the schema and layout of akida's
// model_to_json / model_from_json, so a file written here loads in the akida package.
import AkidaModel
import Foundation
import JSON

public enum AkidaFormatError: Error, CustomStringConvertible, Equatable {
    case invalidJSON(String)
    case schema(String)
    case unsupportedVersion(String)
    case invalidBlob(String)

    public var description: String {
        switch self {
        case .invalidJSON(let s): return "invalid JSON: \(s)"
        case .schema(let s): return "not an Akida model JSON: \(s)"
        case .unsupportedVersion(let s): return s
        case .invalidBlob(let s): return "invalid .fbz blob: \(s)"
        }
    }
}

public enum AkidaJSON {
    /// Parses `model_to_json` text. Like akida, refuses a different major.minor version.
    public static func decode(_ text: String) throws -> AkidaModel {
        try decode(bytes: Array(text.utf8))
    }

    public static func decode(bytes: [UInt8]) throws -> AkidaModel {
        let tree: JSONValue
        do { tree = try JSONValue(parsing: bytes) } catch let e as JSONValue.ParseError {
            throw AkidaFormatError.invalidJSON(e.message)
        }
        return try model(from: tree)
    }

    public static func read(contentsOf url: URL) throws -> AkidaModel {
        try decode(bytes: [UInt8](Data(contentsOf: url)))
    }

    /// The JSON text akida's `model_to_json` writes for this model.
    public static func encode(_ model: AkidaModel) -> String {
        tree(of: model).serialized(.akida)
    }

    public static func write(_ model: AkidaModel, to url: URL) throws {
        try Data(encode(model).utf8).write(to: url)
    }

    // MARK: Model → tree

    static func tree(of model: AkidaModel) -> JSONValue {
        .object([
            ("Akida version", .string(model.akidaVersion)),
            ("IP version", .string(model.ipVersion.rawValue)),
            ("layers", .array(model.layers.map(tree(of:)))),
            ("learning", .null),
            ("input_shape", shapeTree(model.inputShape)),
            ("output_shape", shapeTree(model.outputShape)),
        ])
    }

    static func tree(of layer: AkidaLayer) -> JSONValue {
        var params: [(String, JSONValue)] = layer.parameters.keys.sorted().map {
            ($0, .integer(Int64(layer.parameters[$0]!)))
        }
        params.append(("layer_type", .string(layer.type.rawValue)))
        let vars: [(String, JSONValue)] = layer.variables.keys.sorted().map { ($0, tree(of: layer.variables[$0]!)) }
        let inputShape: JSONValue =
            layer.inputShapes.count == 1
            ? shapeTree(layer.inputShapes[0]) : .array(layer.inputShapes.map(shapeTree))
        return .object([
            ("name", .string(layer.name)),
            ("parameters", .object(params)),
            ("variables", .object(vars)),
            ("inbounds", .array(layer.inbounds.map { .string($0) })),
            ("input_shape", inputShape),
            ("output_shape", shapeTree(layer.outputShape)),
        ])
    }

    static func tree(of variable: AkidaVariable) -> JSONValue {
        let flat: [JSONValue]
        switch variable.values {
        case .integers(let v): flat = v.map { .integer(Int64($0)) }
        case .floats(let v): flat = v.map { .float(Double($0)) }
        }
        return .object([
            ("shape", shapeTree(variable.shape)),
            ("dtype", .string(variable.dtype.rawValue)),
            ("bitwidth", .integer(Int64(variable.bitwidth))),
            ("data", nest(flat[...], shape: variable.shape[...])),
        ])
    }

    private static func shapeTree(_ shape: [Int]) -> JSONValue { .array(shape.map { .integer(Int64($0)) }) }

    private static func nest(_ flat: ArraySlice<JSONValue>, shape: ArraySlice<Int>) -> JSONValue {
        guard let first = shape.first else { return flat.first ?? .null }
        let inner = shape.dropFirst()
        let step = inner.reduce(1, *)
        if inner.isEmpty { return .array(Array(flat)) }
        return .array(
            (0..<first).map { i in
                let start = flat.startIndex + i * step
                return nest(flat[start..<start + step], shape: inner)
            })
    }

    // MARK: Tree → model

    static func model(from tree: JSONValue) throws -> AkidaModel {
        guard case .object = tree else { throw AkidaFormatError.schema("the top level must be an object") }
        let version = try string(tree, "Akida version", "model")
        let parts = version.split(separator: ".")
        let reference = AkidaModel.referenceVersion.split(separator: ".")
        guard parts.count >= 2, parts[0] == reference[0], parts[1] == reference[1] else {
            throw AkidaFormatError.unsupportedVersion(
                "model was saved with Akida \(version); "
                    + "this reader handles Akida \(reference[0]).\(reference[1]).x models")
        }
        let ipText = try string(tree, "IP version", "model")
        guard let ip = AkidaIPVersion(rawValue: ipText) else {
            throw AkidaFormatError.schema("unknown IP version '\(ipText)' (expected v1 or v2)")
        }
        if let learning = tree["learning"], learning != .null {
            throw AkidaFormatError.schema(
                "models with Akida on-chip learning are not supported ('learning' must be null)")
        }
        guard case .array(let layerTrees)? = tree["layers"] else {
            throw AkidaFormatError.schema("missing 'layers' array")
        }
        let layers = try layerTrees.map(layer(from:))
        do {
            return try AkidaModel(
                akidaVersion: version, ipVersion: ip, layers: layers,
                inputShape: try shape(tree["input_shape"], "model input_shape"),
                outputShape: try shape(tree["output_shape"], "model output_shape"))
        } catch let e as AkidaModelError {
            throw AkidaFormatError.schema(e.description)
        }
    }

    static func layer(from tree: JSONValue) throws -> AkidaLayer {
        let name = try string(tree, "name", "layer")
        guard case .object(let paramPairs)? = tree["parameters"] else {
            throw AkidaFormatError.schema("layer '\(name)': missing 'parameters' object")
        }
        var params: [String: Int] = [:]
        var type: AkidaLayerType?
        for (key, value) in paramPairs {
            switch (key, value) {
            case ("layer_type", .string(let t)):
                guard let lt = AkidaLayerType(rawValue: t) else {
                    throw AkidaFormatError.schema("layer '\(name)': unsupported layer type '\(t)'")
                }
                type = lt
            case (_, .integer(let v)): params[key] = Int(v)
            case (_, .bool(let b)): params[key] = b ? 1 : 0
            default: throw AkidaFormatError.schema("layer '\(name)': parameter '\(key)' must be an integer")
            }
        }
        guard let type else { throw AkidaFormatError.schema("layer '\(name)': missing parameter 'layer_type'") }
        var variables: [String: AkidaVariable] = [:]
        if case .object(let varPairs)? = tree["variables"] {
            for (key, value) in varPairs {
                variables[key] = try variable(from: value, "layer '\(name)' variable '\(key)'")
            }
        }
        guard case .array(let inboundTrees)? = tree["inbounds"] else {
            throw AkidaFormatError.schema("layer '\(name)': missing 'inbounds' array")
        }
        let inbounds = try inboundTrees.map { t -> String in
            guard case .string(let s) = t else {
                throw AkidaFormatError.schema("layer '\(name)': inbounds must be names")
            }
            return s
        }
        let inputShapes: [[Int]]
        if case .array(let items)? = tree["input_shape"],
            items.contains(where: {
                if case .array = $0 { return true }; return false
            })
        {
            inputShapes = try items.map { try shape($0, "layer '\(name)' input_shape") }
        } else {
            inputShapes = [try shape(tree["input_shape"], "layer '\(name)' input_shape")]
        }
        return AkidaLayer(
            name: name, type: type, parameters: params, variables: variables, inbounds: inbounds,
            inputShapes: inputShapes, outputShape: try shape(tree["output_shape"], "layer '\(name)' output_shape"))
    }

    static func variable(from tree: JSONValue, _ context: String) throws -> AkidaVariable {
        let dtypeText = try string(tree, "dtype", context)
        guard let dtype = AkidaDType(rawValue: dtypeText) else {
            throw AkidaFormatError.schema("\(context): unsupported dtype '\(dtypeText)'")
        }
        let shape = try shape(tree["shape"], "\(context) shape")
        guard case .integer(let bitwidth)? = tree["bitwidth"] else {
            throw AkidaFormatError.schema("\(context): missing integer 'bitwidth'")
        }
        guard let data = tree["data"] else { throw AkidaFormatError.schema("\(context): missing 'data'") }
        var flat: [JSONValue] = []
        flat.reserveCapacity(shape.reduce(1, *))
        try flatten(data, shape: shape[...], into: &flat, context)
        let values: AkidaValues
        if dtype.isFloatingPoint {
            values = .floats(
                try flat.map { t -> Float in
                    switch t {
                    case .float(let d): return Float(d)
                    case .integer(let i): return Float(i)
                    default: throw AkidaFormatError.schema("\(context): data must be numbers")
                    }
                })
        } else {
            values = .integers(
                try flat.map { t -> Int32 in
                    guard case .integer(let i) = t, let v = Int32(exactly: i) else {
                        throw AkidaFormatError.schema("\(context): data must be 32-bit integers")
                    }
                    return v
                })
        }
        do {
            return try AkidaVariable(dtype: dtype, bitwidth: Int(bitwidth), shape: shape, values: values)
        } catch let e as AkidaModelError {
            throw AkidaFormatError.schema("\(context): \(e.description)")
        }
    }

    private static func flatten(
        _ tree: JSONValue, shape: ArraySlice<Int>, into out: inout [JSONValue], _ context: String
    ) throws {
        guard let first = shape.first else {
            out.append(tree)
            return
        }
        guard case .array(let items) = tree, items.count == first else {
            throw AkidaFormatError.schema("\(context): data does not match its shape")
        }
        for item in items { try flatten(item, shape: shape.dropFirst(), into: &out, context) }
    }

    private static func string(_ tree: JSONValue, _ key: String, _ context: String) throws -> String {
        guard case .string(let s)? = tree[key] else {
            throw AkidaFormatError.schema("\(context): missing string '\(key)'")
        }
        return s
    }

    private static func shape(_ tree: JSONValue?, _ context: String) throws -> [Int] {
        guard case .array(let items)? = tree else {
            throw AkidaFormatError.schema("\(context) must be a list of integers")
        }
        return try items.map { t -> Int in
            guard case .integer(let v) = t, v >= 0, v < 1 << 31 else {
                throw AkidaFormatError.schema("\(context) must be a list of non-negative integers")
            }
            return Int(v)
        }
    }
}
