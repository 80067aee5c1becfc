// Kernelized: akida_models' training-form TENN layer, a causal temporal convolution whose kernel
// is generated from the S4D parameters (A, B, C, log_dt). Zero-order-hold discretisation gives
// Â = exp(dt·A) and B̂ = dt·B; the layer outputs y[l] = C·Re(Σ_{j≤l} Â^(l-j) B̂ x[j]). The
// reference evaluates this with padded FFTs; here the same sum runs as its complex recurrence
// (state ← Â·state + B̂x) in double precision, which is that convolution without FFT noise.
import Foundation
import Tensors

public struct KernelizedLayer: KerasLayerType {
    public static let kerasClassNames = ["Kernelized"]

    public let numCoeffs: Int
    public let outChannels: Int
    public let repeatCount: Int

    public init(className: String, config reader: ConfigReader) throws {
        numCoeffs = try reader.positiveInt("num_coeffs")
        outChannels = try reader.positiveInt("out_channels")
        repeatCount = try reader.positiveInt("repeat", default: 2)
    }

    var hidden: Int { numCoeffs * repeatCount }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (t, _) = try inputs.sequence("Kernelized")
        return [t, outChannels]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [
            WeightSlot(name: "A", shape: [hidden, 2]), WeightSlot(name: "B", shape: [channels, hidden]),
            WeightSlot(name: "C", shape: [hidden, outChannels]), WeightSlot(name: "log_dt", shape: [hidden]),
        ]
    }

    /// Â (real, imaginary) and B̂ (channels × hidden) of the zero-order-hold discretisation.
    static func discretize(a: [Float], b: [Float], logDt: [Float]) -> (re: [Double], im: [Double], bHat: [Double]) {
        let n = logDt.count
        let dt = logDt.map { exp(Double($0)) }
        var re = [Double](repeating: 0, count: n), im = re
        for i in 0..<n {
            let magnitude = exp(-exp(Double(a[2 * i])) * dt[i]), angle = Double(a[2 * i + 1]) * dt[i]
            re[i] = magnitude * cos(angle)
            im[i] = magnitude * sin(angle)
        }
        let bHat = b.indices.map { Double(b[$0]) * dt[$0 % n] }
        return (re, im, bHat)
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let (hidden, out) = (self.hidden, outChannels)
        let c = weights["C"]?.scalars.map(Double.init) ?? []
        let (aRe, aIm, bHat) = Self.discretize(
            a: weights["A"]?.scalars ?? [], b: weights["B"]?.scalars ?? [], logDt: weights["log_dt"]?.scalars ?? [])
        return { x in
            let input = x.removeLast()
            let (n, t, channels) = (input.shape[0], input.shape[1], input.shape[2])
            var y = [Float](repeating: 0, count: n * t * out)
            var re = [Double](repeating: 0, count: hidden), im = re, u = re
            for b in 0..<n {
                for i in 0..<hidden { re[i] = 0; im[i] = 0 }
                for step in 0..<t {
                    let row = (b * t + step) * channels
                    for i in 0..<hidden { u[i] = 0 }
                    for ch in 0..<channels {
                        let v = Double(input.scalars[row + ch])
                        for i in 0..<hidden { u[i] += v * bHat[ch * hidden + i] }
                    }
                    for i in 0..<hidden {
                        let r = aRe[i] * re[i] - aIm[i] * im[i] + u[i]
                        im[i] = aIm[i] * re[i] + aRe[i] * im[i]
                        re[i] = r
                    }
                    let o = (b * t + step) * out
                    for d in 0..<out {
                        var sum = 0.0
                        for i in 0..<hidden { sum += re[i] * c[i * out + d] }
                        y[o + d] = Float(sum)
                    }
                }
            }
            return Tensor(shape: [n, t, out], scalars: y)
        }
    }
}
