// Engine: what a quantization or calibration is asked to do, as the CLI and the service take it —
// QuantizationParams as JSON with the reference's field names (plus bit-width overrides), an
// optional q_config, and the calibration settings. Built into the quantizer's options in one place.
import KerasGraph
import Quantization
import Tensors

/// Calibration settings: the samples (nil draws random ones), how many, in which batches, how
/// often, and a progress callback that returns false to cancel.
public struct CalibrationRequest {
    public var samples: NDArray?
    /// Default: every given sample, else 1024 random ones (the reference's rule).
    public var numSamples: Int?
    public var batchSize: Int?
    public var epochs: Int
    /// Seed of the random samples.
    public var seed: UInt64
    /// Called after every calibration step; returning false cancels the run.
    public var progress: ((CalibrationProgress) -> Bool)?

    public init(
        samples: NDArray? = nil, numSamples: Int? = nil, batchSize: Int? = nil, epochs: Int = 1, seed: UInt64 = 0,
        progress: ((CalibrationProgress) -> Bool)? = nil
    ) {
        self.samples = samples
        self.numSamples = numSamples
        self.batchSize = batchSize
        self.epochs = epochs
        self.seed = seed
        self.progress = progress
    }

    static let defaultRandomSamples = 1024

    var options: CalibrationOptions {
        CalibrationOptions(
            samples: samples, numSamples: numSamples ?? samples?.shape.first ?? Self.defaultRandomSamples,
            batchSize: batchSize, epochs: epochs, seed: seed, progress: progress)
    }
}

/// A quantization: QuantizationParams, per-layer q_config entries and calibration.
public struct QuantizeRequest {
    /// QuantizationParams as JSON with the reference's field names; nil for the defaults.
    public var qparams: JSONValue?
    /// Bit widths that override `qparams` (the CLI's -iq/-wq/-aq).
    public var inputWeightBits: Int?
    public var weightBits: Int?
    public var activationBits: Int?
    /// Per-layer quant_config entries (dump_config format) that win for the layers they name.
    public var qConfig: JSONValue?
    public var calibration: CalibrationRequest

    public init(
        qparams: JSONValue? = nil, inputWeightBits: Int? = nil, weightBits: Int? = nil, activationBits: Int? = nil,
        qConfig: JSONValue? = nil, calibration: CalibrationRequest = CalibrationRequest()
    ) {
        self.qparams = qparams
        self.inputWeightBits = inputWeightBits
        self.weightBits = weightBits
        self.activationBits = activationBits
        self.qConfig = qConfig
        self.calibration = calibration
    }

    /// Throws the quantizer's reason when `qparams` is not a valid QuantizationParams object.
    public static func validate(qparams: JSONValue?) throws {
        _ = try qparams.map { try QuantizationParams(json: $0) }
    }

    func params() throws -> QuantizationParams {
        var params = try qparams.map { try QuantizationParams(json: $0) } ?? .default
        if let bits = inputWeightBits { params.inputWeightBits = bits }
        if let bits = weightBits { params.weightBits = bits }
        if let bits = activationBits { params.activationBits = bits }
        return params
    }

    func options() throws -> QuantizeOptions {
        QuantizeOptions(params: try params(), qConfig: qConfig, calibration: calibration.options)
    }
}
