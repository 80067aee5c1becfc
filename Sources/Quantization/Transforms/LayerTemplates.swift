// Keras configs of the layers the pipeline creates (identity convolutions, split activations,
// ReLUs), with the keys and default values tf_keras 2.19 serializes, so that exported models
// and dumps match the reference's.
import KerasGraph

enum LayerTemplates {
    static let glorot: JSONValue = .object([
        ("module", .string("keras.initializers")), ("class_name", .string("GlorotUniform")),
        ("config", .object([("seed", .null)])), ("registered_name", .null),
    ])
    static let zeros: JSONValue = .object([
        ("module", .string("keras.initializers")), ("class_name", .string("Zeros")),
        ("config", .object([])), ("registered_name", .null),
    ])

    static func pair(_ a: Int, _ b: Int) -> JSONValue { .array([.number(Double(a)), .number(Double(b))]) }

    static func base(_ name: String) -> [(String, JSONValue)] {
        [("name", .string(name)), ("trainable", .bool(true)), ("dtype", .string("float32"))]
    }

    static func conv2D(
        name: String, filters: Int, kernel: Int = 1, strides: Int = 1, padding: String = "valid",
        useBias: Bool = false
    ) -> JSONValue {
        .object(
            base(name) + [
                ("filters", .number(Double(filters))), ("kernel_size", pair(kernel, kernel)),
                ("strides", pair(strides, strides)), ("padding", .string(padding)),
                ("data_format", .string("channels_last")), ("dilation_rate", pair(1, 1)), ("groups", .number(1)),
                ("activation", .string("linear")), ("use_bias", .bool(useBias)),
                ("kernel_initializer", glorot), ("bias_initializer", zeros), ("kernel_regularizer", .null),
                ("bias_regularizer", .null), ("activity_regularizer", .null), ("kernel_constraint", .null),
                ("bias_constraint", .null),
            ])
    }

    static func depthwiseConv2D(name: String, kernel: Int, strides: Int, padding: String, useBias: Bool) -> JSONValue {
        .object(
            base(name) + [
                ("kernel_size", pair(kernel, kernel)), ("strides", pair(strides, strides)),
                ("padding", .string(padding)),
                ("data_format", .string("channels_last")), ("dilation_rate", pair(1, 1)), ("groups", .number(1)),
                ("activation", .string("linear")), ("use_bias", .bool(useBias)), ("bias_initializer", zeros),
                ("bias_regularizer", .null), ("activity_regularizer", .null), ("bias_constraint", .null),
                ("depth_multiplier", .number(1)), ("depthwise_initializer", glorot), ("depthwise_regularizer", .null),
                ("depthwise_constraint", .null),
            ])
    }

    static func activation(name: String, function: String) -> JSONValue {
        .object(base(name) + [("activation", .string(function))])
    }

    static func relu(name: String, maxValue: Double? = nil) -> JSONValue {
        .object(
            base(name) + [
                ("max_value", maxValue.map { .number($0) } ?? .null), ("negative_slope", .number(0)),
                ("threshold", .number(0)),
            ])
    }
}
