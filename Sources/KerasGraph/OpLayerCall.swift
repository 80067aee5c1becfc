// OpLayerCall: reads the call of a TFOpLambda node (a TensorFlow function called on Keras
// tensors, e.g. `x + 3.0`), which tf_keras saves as one flat entry `[source, node, tensor,
// {kwargs}]` whose keyword arguments hold constants or further tensors `[source, node, tensor]`.
// The call becomes a standard inbound list plus an `operands` config entry naming, in argument
// order, which operand is which input and which is a constant.

enum OpLayerCall {
    /// The config key holding the call's operands.
    static let operandsKey = "operands"
    /// The source tf_keras writes when the first argument is a constant (held in the tensor slot).
    static let constantSource = "_CONSTANT_VALUE"

    /// Whether `call` is in the flat TFOpLambda form (its first item is the source name).
    static func isFlat(_ call: JSONValue) -> Bool { call[0]?.string != nil }

    /// The standard inbound list of a flat call and the config with its operands.
    static func normalize(_ call: JSONValue, config: JSONValue, layer: String) throws -> (JSONValue, JSONValue) {
        guard let items = call.array, items.count >= 3, let source = items[0].string else {
            throw GraphError.malformedConfig("bad inbound entry of '\(layer)': \(call)")
        }
        var inbound: [JSONValue] = []
        var operands: [JSONValue] = []
        func add(_ argument: String, _ value: JSONValue) {
            if let ref = value.array, ref.count == 3, ref[0].string != nil, ref[1].int != nil, ref[2].int != nil {
                operands.append(.object([("argument", .string(argument)), ("input", .number(Double(inbound.count)))]))
                inbound.append(.array(ref + [.object([])]))
            } else {
                operands.append(.object([("argument", .string(argument)), ("value", value)]))
            }
        }
        if source == constantSource {
            add("x", items[2])
        } else {
            add("x", .array(Array(items[0..<3])))
        }
        for (key, value) in items.count > 3 ? items[3].objectPairs ?? [] : [] where key != "name" {
            add(key, value)
        }
        return (.array(inbound), config.setting(operandsKey, to: .array(operands)))
    }
}
