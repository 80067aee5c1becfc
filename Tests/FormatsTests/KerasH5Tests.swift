import KerasGraph
import KerasHDF5
import NumPyIO
import Tensors
import TestSupport
import XCTest

final class KerasH5Tests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kerash5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Every corpus model.h5 and quantized.h5 with the layer list meta.json records for it.
    func corpusModels() throws -> [(label: String, url: URL, layers: [String])] {
        var out: [(String, URL, [String])] = []
        for name in try Fixtures.corpusCases() {
            let meta = try Fixtures.meta(name)
            let dir = Fixtures.corpusCase(name)
            let floatLayers = (meta["model"] as? [String: Any])?["layers"] as? [String] ?? []
            let quantLayers = meta["quantized_layers"] as? [String] ?? []
            for (file, layers) in [("model.h5", floatLayers), ("quantized.h5", quantLayers)] {
                let url = dir.appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: url.path) {
                    out.append(
                        ("\(name)/\(file)", url, layers.map { String($0[..<($0.lastIndex(of: ":") ?? $0.endIndex)]) }))
                }
            }
        }
        return out
    }

    /// Layer names match meta.json and the weight groups; kernels agree with the config's
    /// units / filters / kernel_size; versions are those the corpus was made with.
    func testReadsEveryCorpusModel() throws {
        let models = try corpusModels()
        XCTAssertGreaterThan(models.count, 40)
        for (label, url, layers) in models {
            let file = try KerasH5.read(url)
            XCTAssertEqual(file.layerNames, layers, label)
            XCTAssertEqual(Set(file.weights.keys), Set(file.layerNames), label)
            XCTAssertEqual(file.kerasVersion, "2.19.0", label)
            XCTAssertEqual(file.backend, "tensorflow", label)
            let className = try XCTUnwrap(file.modelConfig["class_name"]?.string, label)
            XCTAssertTrue(["Functional", "Sequential", "Model"].contains(className), "\(label): \(className)")
            let configLayers = file.modelConfig["config"]?["layers"]?.array ?? []
            var checkedKernels = 0
            for layer in configLayers {
                // Dense and convolution kernels end with units / filters (not so for LSTM & co); so do a
                // StatefulProjection's (a Dense) and the output matrix C of a Kernelized layer.
                guard let className = layer["class_name"]?.string,
                    ["Dense", "Conv2D", "Conv3D", "StatefulProjection", "Kernelized"].contains(where: {
                        className.hasSuffix($0)
                    }),
                    let config = layer["config"], let name = config["name"]?.string,
                    let kernel = file.weights[name]?.first(where: {
                        $0.shortName == (className.hasSuffix("Kernelized") ? "C" : "kernel")
                    })
                else { continue }
                XCTAssertTrue(kernel.array.dtype == .float32, "\(label): \(name)")
                XCTAssertEqual(kernel.array.count * 4, kernel.array.bytes.count)
                if let units = config["units"]?.int ?? config["filters"]?.int ?? config["out_channels"]?.int {
                    XCTAssertEqual(kernel.array.shape.last, units, "\(label): \(name) kernel \(kernel.array.shape)")
                }
                if let size = config["kernel_size"]?.array?.compactMap(\.int) {
                    XCTAssertEqual(Array(kernel.array.shape.prefix(size.count)), size, "\(label): \(name)")
                }
                checkedKernels += 1
            }
            XCTAssertGreaterThan(checkedKernels, 0, label)
        }
    }

    /// write → read gives back an equal KerasModelFile for every corpus model.
    func testRoundTripsEveryCorpusModel() throws {
        for (label, url, _) in try corpusModels() {
            let original = try KerasH5.read(url)
            let copy = scratch.appendingPathComponent("copy.h5")
            try KerasH5.write(original, to: copy)
            XCTAssertEqual(try KerasH5.read(copy), original, label)
        }
    }

    func testRoundTripsEveryDTypeScalarsEmptyArraysAndNestedNames() throws {
        func array(_ dtype: DType, _ shape: [Int]) throws -> NDArray {
            let n = shape.reduce(1, *) * dtype.byteSize
            return try NDArray(
                dtype: dtype, shape: shape, bytes: (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        }
        var weights: [NamedWeight] = []
        for dtype in DType.allCases where dtype != .bool {
            weights.append(NamedWeight(name: "mix/\(dtype.rawValue):0", array: try array(dtype, [2, 3])))
        }
        weights.append(NamedWeight(name: "mix/flag:0", array: try NDArray(dtype: .bool, shape: [3], bytes: [1, 0, 1])))
        weights.append(NamedWeight(name: "mix/scalar:0", array: try array(.float32, [])))
        weights.append(NamedWeight(name: "mix/empty:0", array: try array(.float32, [0, 4])))
        weights.append(NamedWeight(name: "mix/deep/rank5:0", array: try array(.int8, [1, 2, 1, 2, 3])))
        let model = KerasModelFile(
            modelConfig: try JSONValue(
                parsing: #"{"class_name": "Functional", "config": {"name": "m", "layers": []}}"#),
            weights: [
                "mix": weights, "outer/inner": [NamedWeight(name: "inner/w:0", array: try array(.float16, [4]))],
                "none": [],
            ],
            layerNames: ["none", "mix", "outer/inner"])
        let url = scratch.appendingPathComponent("dtypes.h5")
        try KerasH5.write(model, to: url)
        XCTAssertEqual(try KerasH5.read(url), model)
    }

    /// libhdf5 is not thread-safe; the reader and writer serialize on one lock, so parallel
    /// use from worker threads gives the same results as serial use.
    func testParallelReadsAndWritesMatchSerialOnes() throws {
        let models = Array(try corpusModels().prefix(12))
        let serial = try models.map { try KerasH5.read($0.url) }
        let results = UnsafeMutableBufferPointer<Result<KerasModelFile, Error>?>.allocate(capacity: models.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let dir = scratch!
        DispatchQueue.concurrentPerform(iterations: models.count) { i in
            results[i] = Result {
                let copy = dir.appendingPathComponent("parallel-\(i).h5")
                try KerasH5.write(try KerasH5.read(models[i].url), to: copy)
                return try KerasH5.read(copy)
            }
        }
        for (i, model) in models.enumerated() {
            XCTAssertEqual(try results[i]?.get(), serial[i], model.label)
        }
    }

    /// Name lists above 64 KiB are split into layer_names0, layer_names1, … like tf_keras does.
    func testLargeNameListsAreChunkedAndReadBack() throws {
        let names = (0..<2500).map { "layer_with_a_rather_long_descriptive_name_number_\($0)" }
        let w = NDArray(Tensor<Float>(shape: [1], scalars: [1]))
        let model = KerasModelFile(
            modelConfig: try JSONValue(parsing: #"{"class_name": "Sequential", "config": {"layers": []}}"#),
            kerasVersion: nil, backend: nil,
            weights: Dictionary(uniqueKeysWithValues: names.map { ($0, [NamedWeight(name: "\($0)/b:0", array: w)]) }),
            layerNames: names)
        let url = scratch.appendingPathComponent("many.h5")
        try KerasH5.write(model, to: url)
        XCTAssertEqual(try KerasH5.read(url), model)
    }

    /// Small HDF5 files written by h5py 3.16 (stored in a .npz to keep them compact):
    /// a plain file with one dataset, a weights-only file and a file with a 512-byte user block.
    func h5pyFiles() throws -> [String: URL] {
        let base64 = """
            UEsDBC0AAAAIAAAAIQDQ7urr//////////8JABQAcGxhaW4ubnB5AQAQAAQGAAAAAAAA+wAAAAAAAACb7BfqGxDJyFDGUK2eklqc
            XKRupaBeU2qorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGJoZGOpo6CrUK5AKuTg8XN14uKS4GEODgYGBhEGBABv+h
            oIUVlQ+TT4DSjFC6A0qvYIKJM4LlJKDiglDz0dWFBLm6glT/RwMwe2xYIDQHwygYicDD1TEAREdA+bBUeoIJVV0FlIalRw8K7WVk
            YIWYxQjjQ1IyIyNEgBmqDkFLgJUKKsgzQJKsAoM4B4N4PVSeFZiCQfJMTExgAzig5jEzGkBTOA+aCzoYBh9osAcSDsF+/i6g3A3L
            kwrM+PSMAlwAAFBLAwQtAAAACAAAACEAOjt8jv//////////EAAUAHdlaWdodHNfb25seS5ucHkBABAAYB8AAAAAAAAjAgAAAAAA
            AO2ZW0sbURDH5+waWILSSEO8tXbftoVAFQTRJ0uN5qHVUC20T2Y1xwvGRHZjtaj0NX0r9CUfwY/gR+hH6GM/hm+6Z89M9oKpvVgo
            ZH4hTM6cOddMBvLfrytvX1feC/gAp05N+lueM287Z0fTTtF2tptey3MbG02vJpV/ya37MvD7u+6hDNpPZ+emZorPiva5/adkP5cX
            l4ay41lQWBYMQA7iXCM/JpNt6q+iFWjbaC8M8mfCvlH053B+29TtE/SvvymVVPR1ClrnsqCtBUw/Ui69qCj7DtuUpd+MZFxNNnwJ
            UT6W/3JdytfOQ92uon8QdyKCT/kgu+vuR+ltNNwD6Yf+MaH3mOvuRWeuEALHQcJm1Bpm5Ft+ufpKAHQPGo9T0Dnp+Fm0rcDf9Lbr
            zWPdNrv7jY17vrnn+vNT8XN2Htx5FQzDMAzDMAzDMAzD3DPD+Mc/racNwkJoBViQD96b7ta+bNR66w04XukDpC8Yod+8VZcjx6/q
            cpVHEFuN6Td66XLVQjLuvnW5tZXVRRH+CjRXqM/R/HZe24VCeiQTh+pM+r4ifXMo1DeP5d7ObisSOH9X31T6I9UfE6LnAhQgsPDQ
            eNI1yZpBv+oZtp/AgN4xjFgw8gn7M8H6qt8wDKF3o+czRXsMYvuLaMP/iAhfUV2m7+cST/F9Qtu76nLnsbZcl/uTXnX5aiIZR08C
            /lVd/oJ5S/On85i5nfQ9noz+NJzpwQ1QSwMELQAAAAgAAAAhAF1iDeL//////////w0AFAB1c2VyYmxvY2subnB5AQAQAAAWAAAA
            AAAAAwEAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBeU2qorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqmpgYmOpo6
            CrUK5AIuhlEwokGnh4sbL5cUJB1wcDCwMAhAJJgg1H8oaBBF5cP0J0BpRijdAaVXMMHEmcFyElBxAaj5Csyo+kOCXF2RzUe3ZxSM
            bODh6hgAoiOgfA4ofYIJVR0sHQZQyV5BaHpFT9c8DA5Q+1gZRICuycsvSQXxJRkZwToE4G7hQHEXKKM1MCPc6u7s7wOWE2DAUAcC
            pcWpRQpJOfnJ2ajuusBPsddGwSgYBaNgFIyCUTAKRsEoGAWjYBSMglFAJwAAUEsBAi0DLQAAAAgAAAAhANDu6uv7AAAABAYAAAkA
            AAAAAAAAAAAAAIABAAAAAHBsYWluLm5weVBLAQItAy0AAAAIAAAAIQA6O3yOIwIAAGAfAAAQAAAAAAAAAAAAAACAATYBAAB3ZWln
            aHRzX29ubHkubnB5UEsBAi0DLQAAAAgAAAAhAF1iDeIDAQAAABYAAA0AAAAAAAAAAAAAAIABmwMAAHVzZXJibG9jay5ucHlQSwUG
            AAAAAAMAAwCwAAAA3QQAAAAA
            """
        let npz = try NPZ.decode([UInt8](try XCTUnwrap(Data(base64Encoded: base64, options: .ignoreUnknownCharacters))))
        var urls: [String: URL] = [:]
        for (name, array) in npz {
            let url = scratch.appendingPathComponent("\(name).h5")
            try Data(array.bytes).write(to: url)
            urls[name] = url
        }
        return urls
    }

    func testRejectsWhatIsNotAKerasModelWithAReason() throws {
        let files = try h5pyFiles()
        let cases: [(URL, String)] = [
            (try XCTUnwrap(files["plain"]), "no model_config"),
            (try XCTUnwrap(files["weights_only"]), "weights-only"),
            (try XCTUnwrap(files["userblock"]), "no model_config"),
            (Fixtures.file("mlp", "inputs.npy"), "no HDF5 signature"),
        ]
        for (url, fragment) in cases {
            XCTAssertThrowsError(try KerasH5.read(url), url.lastPathComponent) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(url.lastPathComponent): \(error)")
            }
        }
        let model = Fixtures.file("ds_cnn_kws", "model.h5")
        XCTAssertThrowsError(try KerasH5.read(model, limits: KerasH5Limits(maxArrayBytes: 1000))) { error in
            guard case KerasH5Error.limitExceeded(let detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("/model_weights/conv_0/conv_0/kernel:0"), detail)
        }
        XCTAssertThrowsError(try KerasH5.read(model, limits: KerasH5Limits(maxRank: 2))) { error in
            XCTAssertTrue("\(error)".contains("rank 4"), "\(error)")
        }
        XCTAssertThrowsError(try KerasH5.read(model, limits: KerasH5Limits(maxTotalBytes: 10_000))) { error in
            XCTAssertTrue("\(error)".contains("in total"), "\(error)")
        }
        var bad = try KerasH5.read(model)
        bad.layerNames.append(bad.layerNames[0])
        XCTAssertThrowsError(try KerasH5.write(bad, to: scratch.appendingPathComponent("bad.h5"))) { error in
            XCTAssertTrue("\(error)".contains("twice"), "\(error)")
        }
    }

    func testProbeRecognisesHDF5FromTheSuperblock() throws {
        let files = try h5pyFiles()
        XCTAssertTrue(HDF5Probe.isPlausibleHDF5(at: try XCTUnwrap(files["userblock"])))
        let url = Fixtures.file("mlp", "model.h5")
        XCTAssertTrue(HDF5Probe.isPlausibleHDF5(at: url))
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertNil(HDF5Probe.problem(prefix: bytes, fileSize: bytes.count))
        let truncated = Array(bytes.prefix(bytes.count - 100))
        XCTAssertTrue(HDF5Probe.problem(prefix: truncated, fileSize: truncated.count)?.contains("truncated") == true)
        XCTAssertFalse(HDF5Probe.isPlausibleHDF5(prefix: Array("PK\u{3}\u{4} zip".utf8), fileSize: 8))
        XCTAssertFalse(HDF5Probe.isPlausibleHDF5(at: Fixtures.file("mlp", "inputs.npy")))
        var badVersion = bytes
        badVersion[8] = 9
        XCTAssertTrue(HDF5Probe.problem(prefix: badVersion, fileSize: badVersion.count)?.contains("version 9") == true)
    }

    /// Truncated and bit-flipped copies of corpus models: each read ends in a result or a
    /// thrown error, never a crash or a hang. Each read runs in a forked child so that a
    /// libhdf5 crash fails this test with the offending file instead of killing the suite.
    func testCorruptedModelsNeverCrash() throws {
        var outcomes: [String: Int] = [:]
        var crashes: [String] = []
        for (index, name) in ["mlp/model.h5", "ds_cnn_kws/quantized.h5"].enumerated() {
            let original = [UInt8](try Data(contentsOf: Fixtures.corpus.appendingPathComponent(name)))
            for (i, bytes) in Mutations.corrupted(original, count: 200, seed: 0xC0FF_EE00 + UInt64(index)).enumerated()
            {
                let url = scratch.appendingPathComponent("m\(index)-\(i).h5")
                try Data(bytes).write(to: url)
                switch Isolated.run(timeoutSeconds: 30, { _ = try KerasH5.read(url) }) {
                case .returned: outcomes["parsed", default: 0] += 1
                case .threw: outcomes["threw", default: 0] += 1
                case .crashed(let signal):
                    crashes.append("\(name) mutation \(i): signal \(signal)")
                    try? FileManager.default.copyItem(
                        at: url,
                        to: FileManager.default.temporaryDirectory.appendingPathComponent("h5-crash-\(index)-\(i).h5"))
                }
                try FileManager.default.removeItem(at: url)
            }
        }
        XCTAssertEqual(crashes, [], "libhdf5 crashed or hung (copies kept in the temporary directory)")
        XCTAssertGreaterThan(outcomes["threw", default: 0], 200, "\(outcomes)")
    }
}
