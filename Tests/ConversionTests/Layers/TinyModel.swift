// TinyModel: small quantized graphs built in code, with recorded quantities, for the unit tests
// of single block converters.
import AkidaModel
import Conversion
import KerasGraph
import XCTest

/// A sequential (unless inbounds are given) quantized Keras graph under construction.
struct TinyModel {
    private(set) var layers: [QuantizedKerasLayer]
    private(set) var records: [String: RecordedLayer] = [:]

    /// A model whose input layer `input` has the shape `shape` (batch excluded).
    init(input shape: [Int], dtype: String = "float32") throws {
        let dims = (["null"] + shape.map(String.init)).joined(separator: ", ")
        layers = [
            QuantizedKerasLayer(
                name: "input", className: "InputLayer",
                config: try JSONValue(parsing: #"{"batch_input_shape": [\#(dims)], "dtype": "\#(dtype)"}"#),
                inbounds: [])
        ]
    }

    /// Adds a layer fed by `inbounds` (default: the last layer added), with its recorded quantities.
    mutating func add(
        _ name: String, _ className: String, _ config: String = "{}", inbounds: [String]? = nil,
        record: RecordedLayer = RecordedLayer()
    ) throws {
        let from = inbounds ?? [layers[layers.count - 1].name]
        layers.append(
            QuantizedKerasLayer(
                name: name, className: className, config: try JSONValue(parsing: config), inbounds: from))
        records[name] = record
    }

    var graph: QuantizedKerasGraph {
        QuantizedKerasGraph(name: "tiny", layers: layers, inputNames: ["input"], outputNames: [layers.last!.name])
    }

    func convert(_ target: AkidaTarget) throws -> AkidaModel {
        try Converter.convert(graph: graph, records: QuantizationRecord(layers: records), target: target).model
    }

    /// The conversion error for `target` (fails the test when the model converts).
    func refusal(_ target: AkidaTarget, file: StaticString = #filePath, line: UInt = #line) -> ConversionError? {
        do {
            _ = try convert(target)
            XCTFail("converted for \(target.rawValue)", file: file, line: line)
        } catch let error as ConversionError {
            return error
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return nil
    }
}

extension RecordedLayer {
    /// A layer whose recorded kernel is `value` everywhere (broadcast by the converter).
    static func kernel(_ value: Int64 = 1, key: String = "kernel") -> RecordedLayer {
        var r = RecordedLayer()
        r.weights[key] = IntTensor(scalar: value)
        return r
    }
}

/// quant_config JSON with the given weight bits and, when given, an output quantizer.
func quantConfig(weightBits: Int = 8, outputBits: Int? = nil, key: String = "weight_quantizer") -> String {
    let output = outputBits.map { #", "output_quantizer": {"bitwidth": \#($0), "signed": true}"# } ?? ""
    return #""quant_config": {"\#(key)": {"bitwidth": \#(weightBits)}\#(output)}"#
}
