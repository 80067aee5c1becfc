// The arithmetic of one simulated sample: multiply-accumulates of the neural layers (benchmarks
// report throughput against it).

extension AkidaSimulator {
    /// Multiply-accumulates per sample summed over the convolution, depthwise, dense and separable
    /// layers (padding positions included, as the kernels compute them).
    public var multiplyAccumulatesPerSample: Int {
        layers.reduce(0) { total, layer in
            guard let n = (layer.step as? NeuralStep)?.neural else { return total }
            let grid = n.a0.output * n.a1.output, c = n.inShape[2], window = n.k0 * n.k1
            switch n.kind {
            case .conv: return total + grid * window * c * n.outChannels
            case .depthwise: return total + grid * window * c
            case .dense: return total + n.inShape.reduce(1, *) * n.outChannels
            case .separable: return total + grid * window * c + grid * c * n.outChannels
            }
        }
    }
}
