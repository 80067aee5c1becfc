// Calibration (reference §6): observers on the sanitized FLOAT graph track a moving maximum
// (momentum 0.9, "all exactly 1.0" = uninitialised) per batch; the ranges then go into the
// quantized model's OutputQuantizers with cross-layer equalization of the next layer's
// kernel, and into the InputQuantizer with zero-point folding into the first layer.
import KerasGraph
import Tensors

public struct CalibrationProgress: Sendable {
    public var epoch: Int
    public var step: Int
    public var steps: Int
}

public struct CalibrationOptions {
    /// Calibration samples (N, ...); nil draws `numSamples` random samples (reference rule).
    public var samples: NDArray?
    public var numSamples: Int
    public var batchSize: Int?
    public var epochs: Int
    /// Seed of the random samples (the reference does not seed them).
    public var seed: UInt64
    /// Called after every step; returning false cancels the run.
    public var progress: ((CalibrationProgress) -> Bool)?

    public init(
        samples: NDArray? = nil, numSamples: Int = 1024, batchSize: Int? = nil, epochs: Int = 1,
        seed: UInt64 = 0, progress: ((CalibrationProgress) -> Bool)? = nil
    ) {
        self.samples = samples
        self.numSamples = numSamples
        self.batchSize = batchSize
        self.epochs = epochs
        self.seed = seed
        self.progress = progress
    }
}

/// The moving maximum of §6.3.
public struct Observer: Equatable {
    public var values: [Float]
    public init(channels: Int) { values = [Float](repeating: 1, count: channels) }

    public mutating func update(_ new: [Float]) {
        if values.contains(where: { $0 != 1.0 }) {
            let decay: Float = 0.1
            values = zip(values, new).map { v, n in v - (v - n) * decay }
        } else {
            values = new
        }
    }
}

public enum Calibrator {
    /// Per-batch reduction: max |x| (or max/min x) over all axes, or all but the last.
    public static func reduce(
        _ x: Tensor<Float>, perAxis: Bool, _ op: (Float) -> Float = { abs($0) },
        combine: (Float, Float) -> Float = { max($0, $1) }
    ) -> [Float] {
        let c = perAxis ? (x.shape.last ?? 1) : 1
        var out = [Float?](repeating: nil, count: c)
        for (i, v) in x.scalars.enumerated() {
            let k = perAxis ? i % c : 0
            let y = op(v)
            out[k] = out[k].map { combine($0, y) } ?? y
        }
        return out.map { $0 ?? 0 }
    }

    /// Batches of the reference's Keras `predict(x, steps, batch_size)` over N samples.
    public static func batches(sampleCount n: Int, numSamples: Int, batchSize: Int?) throws -> [Range<Int>] {
        if let b = batchSize, b <= 0 { throw QuantizationError.invalidBatchSize(b) }
        let steps = batchSize.map { (numSamples + $0 - 1) / $0 } ?? numSamples
        guard steps > 0, n > 0 else { return [] }
        let size = batchSize ?? (n + steps - 1) / steps
        return stride(from: 0, to: n, by: size).prefix(steps).map { $0..<min(n, $0 + size) }
    }

    /// Uniform integers over the full range of `dtype` (the reference's random samples).
    public static func randomSamples(count: Int, shape: [Int], dtype: DType, seed: UInt64) throws -> NDArray {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let total = count * shape.reduce(1, *) * dtype.byteSize
        var bytes = [UInt8](repeating: 0, count: total)
        for i in stride(from: 0, to: total, by: 8) {
            var w = next()
            for j in i..<min(total, i + 8) { bytes[j] = UInt8(truncatingIfNeeded: w); w >>= 8 }
        }
        // Every bit pattern of an integer dtype is a value of its full range.
        return try NDArray(dtype: dtype, shape: [count] + shape, bytes: bytes)
    }

    static func slice(_ a: NDArray, _ r: Range<Int>) throws -> NDArray {
        let row = a.shape.dropFirst().reduce(1, *) * a.dtype.byteSize
        return try NDArray(
            dtype: a.dtype, shape: [r.count] + a.shape.dropFirst(),
            bytes: Array(a.bytes[(r.lowerBound * row)..<(r.upperBound * row)]))
    }

    /// Runs the observers and writes ranges into `plan.graph`; returns the warnings.
    static func calibrate(
        _ plan: inout QuantizationPlan, options: CalibrationOptions, params: QuantizationParams
    ) throws -> [QuantizationWarning] {
        var warnings: [QuantizationWarning] = []
        let g = plan.graph
        guard let inputName = g.inputs.first, let input = g.node(named: inputName) else { return warnings }
        var samples: NDArray
        if let s = options.samples {
            samples = s
        } else {
            if !params.perTensorActivations { warnings.append(.perAxisRandom()) }
            let dtypeName = input.config["dtype"]?.string ?? "float32"
            let dtype = DType(rawValue: dtypeName).flatMap { $0.isFloatingPoint ? nil : $0 } ?? params.inputDType
            let shape = input.config["batch_input_shape"]?.array?.dropFirst().map { $0.int ?? 1 } ?? []
            samples = try randomSamples(count: options.numSamples, shape: shape, dtype: dtype, seed: options.seed)
            if DType(rawValue: dtypeName)?.isFloatingPoint ?? true {
                samples = NDArray(samples.floats())
            }
        }

        // Observers, in quantized-model order.
        let outputObserved = g.nodes.filter {
            $0.config["quant_config"]?["output_quantizer"] != nil && $0.className.hasPrefix("Custom>")
        }
        let inputQuantizer = g.nodes.first { $0.baseClassName == "InputQuantizer" }
        func perAxis(_ n: GraphNode) -> Bool {
            (n.baseClassName == "InputQuantizer"
                ? n.config["axis"] : n.config["quant_config"]?["output_quantizer"]?["axis"])?.string == "per-axis"
        }
        var maxObservers: [String: Observer] = [:]
        var inMin = Observer(channels: 1), inMax = Observer(channels: 1)
        let shapes = LayerRegistry.outputShapes(of: plan.sanitized)
        for n in outputObserved {
            maxObservers[n.name] = Observer(channels: perAxis(n) ? shapes[n.name]?.last ?? 1 : 1)
        }
        if let iq = inputQuantizer, perAxis(iq) {
            let c = shapes[inputName]?.last ?? 1
            inMin = Observer(channels: c)
            inMax = Observer(channels: c)
        }
        let capture = outputObserved.map(\.name) + (inputQuantizer != nil ? [inputName] : [])

        let floatModel: FloatModel
        do {
            floatModel = try FloatModel(graph: plan.sanitized)
        } catch {
            throw QuantizationError.calibration("the sanitized float model cannot run: \(error)")
        }
        func observe(_ outs: [String: Tensor<Float>], batch: Tensor<Float>) throws {
            for n in outputObserved {
                guard let x = outs[n.name] else {
                    throw QuantizationError.calibration("the float model gave no output for layer '\(n.name)'")
                }
                maxObservers[n.name]?.update(reduce(x, perAxis: perAxis(n)))
            }
            if let iq = inputQuantizer {
                let x = outs[inputName] ?? batch
                inMin.update(reduce(x, perAxis: perAxis(iq), { $0 }, combine: { min($0, $1) }))
                inMax.update(reduce(x, perAxis: perAxis(iq), { $0 }, combine: { max($0, $1) }))
            }
        }
        if isStateful(plan.sanitized) {
            try calibrateSegments(
                plan.sanitized, samples: samples, epochs: options.epochs, capture: Set(capture), observe: observe)
        }
        let ranges = try batches(
            sampleCount: samples.shape.first ?? 0, numSamples: options.numSamples, batchSize: options.batchSize)
        for epoch in 0..<max(0, options.epochs) where !isStateful(plan.sanitized) {
            for (step, r) in ranges.enumerated() {
                let batch = try slice(samples, r).floats()
                try observe(try floatModel.run([batch], capture: Set(capture)), batch: batch)
                if let progress = options.progress,
                    !progress(CalibrationProgress(epoch: epoch, step: step + 1, steps: ranges.count))
                {
                    throw QuantizationError.cancelled
                }
            }
        }

        for n in g.nodes {
            if let obs = maxObservers[n.name] {
                setAndEqualize(&plan.graph, layer: n.name, rangeMax: obs.values)
            } else if n.name == inputQuantizer?.name {
                try setAndFoldZeroPoint(&plan.graph, quantizer: n.name, rangeMin: inMin.values, rangeMax: inMax.values)
            }
        }
        return warnings
    }

    static func shaped(_ v: [Float], like node: GraphNode, _ name: String) -> Tensor<Float> {
        let shape = node.tensor(name)?.shape ?? (v.count == 1 ? [] : [v.count])
        return Tensor(shape: shape, scalars: shape.isEmpty ? [v[0]] : v)
    }

    /// floor(log2 r) from the binary exponent; -inf for 0.
    static func floorLog2(_ r: Float) -> Float { r > 0 ? Float(r.exponent) : -.infinity }

    /// The ideal range of §6.4: `(2^b − 1) / 2^(b − floor_log2 r)`.
    public static func idealRange(_ r: Float, bitwidth: Int) -> Float {
        let f = Float(bitwidth) - floorLog2(r)
        return Float((1 << bitwidth) - 1) / Float.pow2(f)
    }

    /// §6.4: sets `range_max`, and when the next weight layer can absorb it, the ideal range,
    /// the rescaling rate and the divided kernel.
    static func setAndEqualize(_ g: inout LayerGraph, layer: String, rangeMax r: [Float]) {
        guard var node = g.node(named: layer) else { return }
        let rangeName = QuantizedLayerRegistry.outputVariable("range_max", of: node)
        node.setTensor(rangeName, shaped(r, like: node, rangeName))
        g[layer] = node
        guard QuantizedLayerRegistry.byClassName[node.baseClassName]?.startsEqualization ?? true,
            let saved = QuantConfig(layerConfig: node.config)["output_quantizer"]
        else { return }
        let oq = OutputQuantizerSettings(saved)
        let perTensor = !oq.isPerAxis
        var current = layer
        var reshaped = false
        var next: GraphNode?
        walk: while true {
            let outs = g.outbound(of: current)
            guard outs.count == 1, let n = g.node(named: outs[0]) else { break }
            switch QuantizedLayerRegistry.type(ofAnyClass: n.baseClassName)?.equalization ?? .stops {
            case .absorbs: next = n; break walk
            case .passes: current = n.name
            case .reshapes where perTensor || !reshaped: reshaped = reshaped || !perTensor; current = n.name
            case .reshapes, .stops: break walk
            }
        }
        guard var target = next, (target.config["groups"]?.int ?? 1) == 1,
            target.config["data_format"]?.string != "channels_first",
            perTensor || QuantizedLayerRegistry.type(ofAnyClass: target.baseClassName)?.absorbsPerAxisRates ?? true
        else { return }
        let bitwidth = oq.bitwidth ?? QuantConfig.defaultBitwidth
        var ideal = r.map { idealRange($0, bitwidth: bitwidth) }
        if ideal == r { return }
        node.setTensor(rangeName, shaped(ideal, like: node, rangeName))
        var range = r
        if !perTensor {
            for i in ideal.indices where ideal[i] == 0 { ideal[i] = 1; range[i] = 1 }
        }
        let rate = zip(ideal, range).map { $0 / $1 }
        let rateName = QuantizedLayerRegistry.outputVariable("rescaling_rate", of: node)
        node.setTensor(rateName, shaped(rate, like: node, rateName))
        g[layer] = node
        let kname = target.weight("depthwise_kernel") != nil ? "depthwise_kernel" : "kernel"
        guard var kernel = target.tensor(kname), let cout = kernel.shape.last, cout > 0 else { return }
        // Row i of the kernel seen as (rows, Cout) reads input channel i % C (also through a Flatten);
        // a transposed kernel (kh, kw, F, C) keeps them last.
        let channelsLast =
            QuantizedLayerRegistry.type(ofAnyClass: target.baseClassName)?.kernelInputChannelsLast ?? false
        for i in kernel.scalars.indices {
            let channel = channelsLast ? i : i / cout
            kernel.scalars[i] /= rate.count == 1 ? rate[0] : rate[channel % rate.count]
        }
        target.setTensor(kname, kernel)
        g[target.name] = target
    }

    /// §6.5: InputQuantizer ranges; an unsigned one with a negative minimum folds the zero point
    /// into the first Conv2D/Dense (bias and padding value).
    static func setAndFoldZeroPoint(
        _ g: inout LayerGraph, quantizer: String, rangeMin: [Float], rangeMax: [Float]
    ) throws {
        guard var iq = g.node(named: quantizer) else { return }
        let signed = iq.config["signed"]?.bool ?? true
        var mn = signed ? rangeMin : rangeMin.map { $0 > 0 ? 0 : $0 }
        iq.setTensor("range_min", shaped(mn, like: iq, "range_min"))
        iq.setTensor("range_max", shaped(rangeMax, like: iq, "range_max"))
        g[quantizer] = iq
        if signed || mn.allSatisfy({ $0 == 0 }) { return }
        var current = quantizer
        while g.outbound(of: current).count == 1, let n = g.node(named: g.outbound(of: current)[0]) {
            current = n.name
            guard n.baseClassName.hasSuffix("Rescaling") else { break }
            let scale = Float(n.config["scale"]?.double ?? 1)
            mn = mn.map { $0 * scale }
        }
        guard var target = g.node(named: current) else { throw QuantizationError.zeroPointFolding(layer: current) }
        do {
            try Sanitizer.AlignRescaling.foldOffset(mn.map { Double($0) }, into: &target)
        } catch {
            throw QuantizationError.zeroPointFolding(layer: current)
        }
        g[current] = target
    }
}

extension Float {
    /// 2^e for an integral (or infinite) e, exactly.
    static func pow2(_ e: Float) -> Float {
        if e == .infinity { return .infinity }
        if e == -.infinity { return 0 }
        return Float(sign: .plus, exponent: Int(e), significand: 1)
    }
}
