// Engine: a q_config checked before a quantization is queued, like QuantizationParams — every
// entry names a layer of the float model as the quantizer sees it (after the sanitize passes,
// which add layers such as `<name>_identity_conv`), and every field has a value a quantizer
// accepts and a converter can use. The reference only fails inside the quantizer (leaving the
// layer float with a warning) or ignores unknown names; this refuses them up front.
import Diagnostics
import Foundation
import KerasGraph
import KerasHDF5
import Quantization

/// A q_config value refused before quantization: which layer, which field, the allowed values.
public struct QConfigError: Error, CustomStringConvertible, Equatable, UserFacingError {
    public var layerName: String
    /// The offending field as a path inside the layer's entry (`weight_quantizer.bitwidth`), or
    /// nil when the layer itself is the problem.
    public var field: String?
    public var description: String
    public var problemType: ProblemType { .invalidQuantizationParams }
    public var layer: String? { layerName }
    public var rule: String? { field.map { "q_config.\(layerName).\($0)" } }
    public var fix: String? {
        field == nil
            ? "name only layers of the model (GET /v1/models/{id} lists them; the quantizer's own names such as "
                + "<layer>_identity_conv are accepted)"
            : "give a value in the allowed range, or leave the field out for the default"
    }
}

extension QuantizeRequest {
    /// Largest quantizer bit width: values live in 32-bit integer buffers.
    static let bitwidthRange = 1...32
    static let bufferBitwidthRange = 2...64
    static let scaleBitsRange = 1...32

    /// Checks `qConfig` against the float model at `url`; throws a `QConfigError` naming the layer
    /// and field of the first value out of range.
    public static func validate(qConfig: JSONValue, floatAt url: URL) throws {
        guard let entries = qConfig.objectPairs else {
            throw QConfigError(
                layerName: "", field: nil,
                description: "q_config must be a JSON object mapping layer names to quant_config objects")
        }
        let graph = try LayerGraph(file: KerasH5.read(url))
        let names = Set(Sanitizer.sanitize(graph).graph.nodes.map(\.name)).union(graph.nodes.map(\.name))
        for (layer, entry) in entries {
            guard names.contains(layer) else {
                throw QConfigError(
                    layerName: layer, field: nil,
                    description: "q_config names layer '\(layer)', which the model does not have")
            }
            try validate(entry: entry, layer: layer)
        }
    }

    static func validate(entry: JSONValue, layer: String) throws {
        func fail(_ field: String, _ rule: String, _ value: JSONValue) -> QConfigError {
            QConfigError(
                layerName: layer, field: field,
                description: "q_config of layer '\(layer)': \(field) must be \(rule), got \(value.serialized(.compact))"
            )
        }
        guard let fields = entry.objectPairs else { throw fail("(entry)", "a JSON object", entry) }
        for (key, value) in fields {
            if key.hasSuffix("_quantizer") {
                guard let settings = value.objectPairs else { throw fail(key, "a JSON object", value) }
                let signed = value["signed"]?.bool ?? true
                for (name, setting) in settings {
                    let field = "\(key).\(name)"
                    switch name {
                    case "bitwidth":
                        // The reference's quantizers: at least 2 bits when signed, 1 when not.
                        let range = (signed ? 2 : 1)...bitwidthRange.upperBound
                        guard let bits = setting.int, range.contains(bits) else {
                            throw fail(field, "an integer in \(range.lowerBound)...\(range.upperBound)", setting)
                        }
                    case "buffer_bitwidth", "lut_bitwidth":
                        try check(setting, in: bufferBitwidthRange) { fail(field, $0, setting) }
                    case "scale_bits":
                        try check(setting, in: scaleBitsRange) { fail(field, $0, setting) }
                    case "signed":
                        guard setting.bool != nil else { throw fail(field, "true or false", setting) }
                    case "axis":
                        guard
                            setting.isNull || setting.int != nil || ["per-tensor", "per-axis"].contains(setting.string)
                        else { throw fail(field, "\"per-tensor\", \"per-axis\", an integer or null", setting) }
                    default:
                        continue
                    }
                }
            } else if key == "buffer_bitwidth" {
                try check(value, in: bufferBitwidthRange) { fail(key, $0, value) }
            }
        }
    }

    private static func check(_ value: JSONValue, in range: ClosedRange<Int>, _ fail: (String) -> QConfigError) throws {
        guard let number = value.int, range.contains(number) else {
            throw fail("an integer in \(range.lowerBound)...\(range.upperBound)")
        }
    }
}
