// The model summary as JSON (the structured twin of akida's summary text).
import AkidaModel
import JSON

extension AkidaSummary {
    /// {"input_shape", "output_shape", "sequence_count", "layer_count",
    ///  "sequences": [{"name", "backend", "layers": [{"name", "type", "output_shape", "kernel_shapes"}]}]}
    public var json: String {
        func shape(_ s: [Int]) -> JSONValue { .array(s.map { .integer(Int64($0)) }) }
        let sequences: [JSONValue] = sequences.map { seq in
            let layers: [JSONValue] = seq.layers.map { l in
                .object([
                    ("name", .string(l.name)),
                    ("type", .string(l.type)),
                    ("output_shape", shape(l.outputShape)),
                    ("kernel_shapes", .array(l.kernelShapes.map(shape))),
                ])
            }
            return .object([("name", .string(seq.name)), ("backend", .string(seq.backend)), ("layers", .array(layers))])
        }
        return JSONValue.object([
            ("input_shape", shape(inputShape)),
            ("output_shape", shape(outputShape)),
            ("sequence_count", .integer(Int64(self.sequences.count))),
            ("layer_count", .integer(Int64(layerCount))),
            ("sequences", .array(sequences)),
        ]).serialized(.akida) + "\n"
    }
}
