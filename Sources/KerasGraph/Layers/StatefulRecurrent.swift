// StatefulRecurrent: QuantizeML's diagonal complex recurrence over a (timesteps, channels)
// sequence, state ← A·state + x per timestep with A = A_real + i·A_imag per channel, output
// (timesteps, channels, 2) holding the real and imaginary states. A float model here starts each
// call from the zero state (every batch row its own sequence), which is what one call of a
// freshly loaded Keras model gives. QuantizedStatefulRecurrent shares its config and shape.
import Tensors

public struct StatefulRecurrentLayer: KerasLayerType {
    public static let kerasClassNames = ["StatefulRecurrent"]
    public static let quantizedClassNames = ["QuantizedStatefulRecurrent"]

    public init(className: String, config reader: ConfigReader) throws {}

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (t, c) = try inputs.sequence("StatefulRecurrent")
        return [t, c, 2]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "A_real", shape: [channels]), WeightSlot(name: "A_imag", shape: [channels])]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let aRe = weights["A_real"]?.scalars ?? [], aIm = weights["A_imag"]?.scalars ?? []
        return { x in
            let input = x.removeLast()
            let (n, t, c) = (input.shape[0], input.shape[1], input.shape[2])
            var y = [Float](repeating: 0, count: n * t * c * 2)
            for b in 0..<n {
                var re = [Float](repeating: 0, count: c), im = re
                for step in 0..<t {
                    let row = (b * t + step) * c
                    for i in 0..<c {
                        // The reference's operation order: (re·Ar − im·Ai) + x, then Ai·re + Ar·im.
                        let r = (re[i] * aRe[i] - im[i] * aIm[i]) + input.scalars[row + i]
                        im[i] = aIm[i] * re[i] + aRe[i] * im[i]
                        re[i] = r
                        y[2 * (row + i)] = re[i]
                        y[2 * (row + i) + 1] = im[i]
                    }
                }
            }
            return Tensor(shape: [n, t, c, 2], scalars: y)
        }
    }
}
