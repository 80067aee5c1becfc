// TFOpLambda: a TensorFlow function called on Keras tensors (`x + 3.0`, `tf.nn.relu6(x)`, ...),
// saved by name in `function` with its operands (see OpLayerCall). Only the plain arithmetic
// and activation families below run, each computed as TensorFlow does in float32; any other
// function is refused by name: SpikeForge never executes code from a model file.
import Tensors

public struct TFOpLambdaLayer: KerasLayerType {
    public static let kerasClassNames = ["TFOpLambda"]

    /// A family of TensorFlow functions computed alike.
    enum Family {
        /// `x ∘ y`, broadcast; either operand may be a constant.
        case binary(@Sendable (Float, Float) -> Float)
        /// A Keras activation of `x`.
        case activation(ActivationFunction)
    }

    /// The supported functions, by the name tf_keras saves (`tf.` dropped).
    static let functions: [String: Family] = {
        var table: [String: Family] = [:]
        let binary: [([String], @Sendable (Float, Float) -> Float)] = [
            (["__operators__.add", "math.add"], { $0 + $1 }),
            (["math.subtract", "__operators__.sub"], { $0 - $1 }),
            (["math.multiply", "__operators__.mul"], { $0 * $1 }),
            (["math.truediv", "__operators__.truediv", "math.divide"], { $0 / $1 }),
            (["math.maximum"], { Swift.max($0, $1) }),
            (["math.minimum"], { Swift.min($0, $1) }),
        ]
        for (names, op) in binary { for name in names { table[name] = .binary(op) } }
        let activations: [([String], ActivationFunction)] = [
            (["nn.relu"], .relu), (["nn.relu6"], .relu6), (["math.sigmoid", "nn.sigmoid"], .sigmoid),
            (["nn.silu", "nn.swish"], .swish), (["math.tanh", "nn.tanh"], .tanh),
        ]
        for (names, f) in activations { for name in names { table[name] = .activation(f) } }
        return table
    }()

    /// An argument of the call: the index of an input tensor, or a constant.
    enum Operand {
        case input(Int)
        case constant(Tensor<Float>)
    }

    public let function: String
    let family: Family
    let x: Operand
    let y: Operand?

    public init(className: String, config reader: ConfigReader) throws {
        guard let function = reader.config["function"]?.string else {
            throw reader.error("a TFOpLambda needs the name of its TensorFlow function ('function')")
        }
        guard let family = Self.functions[function] else {
            throw reader.error(
                "TensorFlow function 'tf.\(function)' is not supported; supported: "
                    + Self.functions.keys.sorted().map { "tf.\($0)" }.joined(separator: ", "))
        }
        self.function = function
        self.family = family
        var byName: [String: Operand] = [:]
        for item in reader.config[OpLayerCall.operandsKey]?.array ?? [] {
            guard let argument = item["argument"]?.string else { throw reader.error("bad operand \(item)") }
            byName[argument] = try Self.operand(item, reader: reader, function: function)
        }
        let expected: Set<String>
        switch family {
        case .binary: expected = ["x", "y"]
        case .activation: expected = ["x"]
        }
        guard Set(byName.keys) == expected, let x = byName["x"] else {
            throw reader.error(
                "tf.\(function) takes the arguments \(expected.sorted()), got \(byName.keys.sorted())")
        }
        self.x = x
        self.y = byName["y"]
    }

    static func operand(_ item: JSONValue, reader: ConfigReader, function: String) throws -> Operand {
        if let index = item["input"]?.int { return .input(index) }
        let value = item["value"] ?? .null
        if let v = value.double { return .constant(Tensor(shape: [], scalars: [Float(v)])) }
        if let items = value.array, !items.isEmpty, items.allSatisfy({ $0.double != nil }) {
            return .constant(Tensor(shape: [items.count], scalars: items.map { Float($0.double ?? 0) }))
        }
        throw reader.error("tf.\(function): constant operand \(value) is not a number or a list of numbers")
    }

    public var arity: Int? { [x, y].filter { if case .input = $0 { return true } else { return false } }.count }

    func shape(_ operand: Operand, _ inputs: ShapeInputs) -> [Int] {
        switch operand {
        case .input(let i): return inputs.shapes[i]
        // A constant broadcasts over the batch axis too: its shape is counted without it.
        case .constant(let t): return t.shape
        }
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        guard let y else { return shape(x, inputs) }
        let a = shape(x, inputs), b = shape(y, inputs)
        guard let joined = broadcastShape(a, b), joined.count == max(a.count, b.count) else {
            throw inputs.error("tf.\(function): operands of shapes \(a) and \(b) do not broadcast")
        }
        // A constant cannot add axes to the per-sample shape (it would broadcast over the batch).
        guard joined.count == inputs.first.count else {
            throw inputs.error("tf.\(function): a constant of shape \(b.count > a.count ? b : a) adds axes")
        }
        return joined
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let x = self.x, y = self.y, family = self.family
        return { args in
            func value(_ operand: Operand) -> Tensor<Float> {
                switch operand {
                case .input(let i): return args[i]
                case .constant(let t): return t
                }
            }
            switch family {
            case .activation(let f): return try f.apply(value(x))
            case .binary(let op): return try broadcastBinary(value(x), value(y ?? x), op)
            }
        }
    }
}
