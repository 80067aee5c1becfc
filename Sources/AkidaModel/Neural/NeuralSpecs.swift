// Parameter and variable groups the neural layer types share; each type in Layers/ lists which
// groups it holds (reference 1.3, 7.5, 7.10 and 8.1).

enum NeuralSpecs {
    /// Akida 2.0 output stage parameters; `bufferBits` and `activation` are akida's defaults.
    static func v2Output(bufferBits: Int, activation: Int) -> [AkidaParameterSpec] {
        [
            AkidaParameterSpec("activation", akidaDefault: activation, validRange: 0...1),
            AkidaParameterSpec("buffer_bits", akidaDefault: bufferBits, validRange: 1...32),
            AkidaParameterSpec("output_bits", akidaDefault: 8, validRange: 1...32),
            AkidaParameterSpec("post_op_buffer_bits", akidaDefault: 32, validRange: 1...32),
            AkidaParameterSpec("weights_bits", akidaDefault: 8, validRange: 1...8),
        ]
    }

    /// Akida 2.0 square kernel, stride and pooling.
    static let v2Window = [
        AkidaParameterSpec("kernel_size"),
        AkidaParameterSpec("kernel_stride"),
        AkidaParameterSpec("padding"),
        AkidaParameterSpec("pool_size"),
        AkidaParameterSpec("pool_stride"),
        AkidaParameterSpec("pool_type", validRange: 0...2),
    ]

    /// Akida 2.0 bias, ReLU clip and output scaling, one value per output channel F.
    static let v2Scaling = [
        AkidaVariableSpec("bias", .int8, shape: "(F,)", defaultValue: 0),
        AkidaVariableSpec("bias_shift", .uint8, shape: "(F,)", defaultValue: 0),
        AkidaVariableSpec("max_value", .uint8, shape: "(F,)", defaultValue: 127),
        AkidaVariableSpec("max_value_shift", .uint8, shape: "(F,)", defaultValue: 31),
        AkidaVariableSpec("output_scales", .uint8, shape: "(F,)", defaultValue: 1),
        AkidaVariableSpec("output_shift", .int8, shape: "(F,)", defaultValue: 0),
    ]

    /// Akida 1.0 activation parameters.
    static let v1Output = [
        AkidaParameterSpec("act_bits", validRange: 1...8),
        AkidaParameterSpec("activation", validRange: 0...1),
        AkidaParameterSpec("weights_bits", validRange: 1...8),
    ]

    /// Akida 1.0 rectangular kernel, strides and pooling.
    static let v1Window = [
        AkidaParameterSpec("kernel_height"),
        AkidaParameterSpec("kernel_width"),
        AkidaParameterSpec("padding"),
        AkidaParameterSpec("pool_type", validRange: 0...2),
        AkidaParameterSpec("pooling_height"),
        AkidaParameterSpec("pooling_stride_x"),
        AkidaParameterSpec("pooling_stride_y"),
        AkidaParameterSpec("pooling_width"),
        AkidaParameterSpec("stride_x"),
        AkidaParameterSpec("stride_y"),
    ]

    /// Akida 1.0 threshold and act_step, one per neuron F.
    static let v1Activation = [
        AkidaVariableSpec("act_step", .float32, shape: "(F,)"),
        AkidaVariableSpec("threshold", .int32, shape: "(F,)", defaultValue: 0),
    ]
}
