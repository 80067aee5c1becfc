// Concatenate (reference 7.8): inputs joined along channels in inbound order; no arithmetic.

enum ConcatenateLayer: SimulatedLayer {
    static let type = AkidaLayerType.concatenate
    static let parameters: [AkidaParameterSpec] = []
    static let variables: [AkidaVariableSpec] = []

    static func inboundCount(given: Int) -> Int { max(given, 1) }

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        let inShape = r.inShape
        guard r.inShapes.allSatisfy({ $0[0] == inShape[0] && $0[1] == inShape[1] }) else {
            throw r.fail("Concatenate inputs must have the same spatial dimensions, got \(r.inShapes)")
        }
        return r.compiled(
            ConcatenateStep(), outShape: [inShape[0], inShape[1], r.inShapes.map { $0[2] }.reduce(0, +)],
            outDType: r.inDTypes.first ?? .int8)
    }
}

struct ConcatenateStep: LayerStep {
    func run(_ io: StepIO) throws {
        let shape = io.layer.outShape, out = io.out
        let positions = shape[0] * shape[1], total = shape[2]
        var offset = 0
        for k in io.layer.inbounds.indices {
            let buf = io.inbound(k), c = buf.count / max(positions, 1)
            for p in 0..<positions {
                for ch in 0..<c { out[p * total + offset + ch] = buf[p * c + ch] }
            }
            offset += c
        }
    }
}
