// DepthwiseBufferTempConv (Akida 2.0): the depthwise temporal convolution over a FIFO of the last
// `fifo_size` inputs (see BufferTempConv.swift): output channel c sums slot t of channel c times
// weights[0, 0, t, c], the newest slot last; shifts, bias, ReLU and scaling as DepthwiseConv2D.

enum DepthwiseBufferTempConvLayer: SimulatedLayer {
    static let type = AkidaLayerType.depthwiseBufferTempConv
    static let parameters = [AkidaParameterSpec("fifo_size")] + NeuralSpecs.v2Output(bufferBits: 32, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(1, 1, fifo_size, C)"),
        ] + NeuralSpecs.v2Scaling

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        try FIFOStep.compile(r, kind: .depthwise, filters: r.inShape[2])
    }
}
