// The model summary as JSON (the structured twin of akida's summary text).
import AkidaModel

extension AkidaSummary {
    /// {"input_shape", "output_shape", "sequence_count", "layer_count",
    ///  "sequences": [{"name", "backend", "layers": [{"name", "type", "output_shape", "kernel_shapes"}]}]}
    public var json: String {
        func shape(_ s: [Int]) -> JSONTree { .array(s.map { .int(Int64($0)) }) }
        let sequences: [JSONTree] = sequences.map { seq in
            .object([
                ("name", .string(seq.name)),
                ("backend", .string(seq.backend)),
                ("layers", .array(seq.layers.map { l in
                    .object([
                        ("name", .string(l.name)),
                        ("type", .string(l.type)),
                        ("output_shape", shape(l.outputShape)),
                        ("kernel_shapes", .array(l.kernelShapes.map(shape))),
                    ])
                })),
            ])
        }
        return JSONTree.object([
            ("input_shape", shape(inputShape)),
            ("output_shape", shape(outputShape)),
            ("sequence_count", .int(Int64(self.sequences.count))),
            ("layer_count", .int(Int64(layerCount))),
            ("sequences", .array(sequences)),
        ]).serialized() + "\n"
    }
}
