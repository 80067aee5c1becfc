// bench-float: float inference throughput (samples/s) of the SpikeForge engine on corpus models,
// beside tf_keras's on the same machine when the reference Python stack is installed.
//   swift run -c release bench-float [--corpus DIR] [--seconds S] [--cases a,b] [--batches 1,32]
// The reference interpreter is $SPIKEFORGE_REF_PYTHON, else /tmp/ref/bin/python if present.
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Tensors

struct Options {
    var corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/corpus")
    var seconds = 2.0
    var cases = ["ds_cnn_kws", "akidanet_tiny"]
    var batches = [1, 32]

    init(_ args: [String]) {
        var i = 0
        func value() -> String? { i += 1; return i < args.count ? args[i] : nil }
        while i < args.count {
            switch args[i] {
            case "--corpus": if let v = value() { corpus = URL(fileURLWithPath: v) }
            case "--seconds": if let v = value().flatMap(Double.init) { seconds = v }
            case "--cases": if let v = value() { cases = v.split(separator: ",").map(String.init) }
            case "--batches": if let v = value() { batches = v.split(separator: ",").compactMap { Int($0) } }
            default: FileHandle.standardError.write(Data("ignoring argument \(args[i])\n".utf8))
            }
            i += 1
        }
    }
}

/// A batch of `batch` samples made by repeating the case's inputs.
func tiledBatch(_ inputs: NDArray, batch: Int) throws -> NDArray {
    let sampleBytes = inputs.bytes.count / max(inputs.shape.first ?? 1, 1)
    let samples = max(inputs.shape.first ?? 1, 1)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(batch * sampleBytes)
    for i in 0..<batch {
        let s = i % samples
        bytes += inputs.bytes[(s * sampleBytes)..<((s + 1) * sampleBytes)]
    }
    return try NDArray(dtype: inputs.dtype, shape: [batch] + inputs.shape.dropFirst(), bytes: bytes)
}

func samplesPerSecond(seconds: Double, batch: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var runs = 0
    let start = Date()
    while true {
        try body()
        runs += 1
        let elapsed = Date().timeIntervalSince(start)
        if elapsed >= seconds && runs >= 3 { return Double(runs * batch) / elapsed }
    }
}

func referencePython() -> String? {
    let candidates = [ProcessInfo.processInfo.environment["SPIKEFORGE_REF_PYTHON"], "/tmp/ref/bin/python"].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// tf_keras's best throughput (eager call or predict), or nil when unavailable.
func tfKeras(python: String, corpus: URL, case name: String, batch: Int, seconds: Double) -> (Double, String)? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("tf_bench.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script.path, corpus.path, name, String(batch), String(seconds)]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
          let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let call = json["call_sps"] as? Double, let predict = json["predict_sps"] as? Double else { return nil }
    return call >= predict ? (call, "model(x)") : (predict, "predict")
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let python = referencePython()
print("float inference, samples/s (\(ProcessInfo.processInfo.activeProcessorCount) cores, \(options.seconds) s per figure)")
print("case            batch   spikeforge      tf_keras   ratio")
for name in options.cases {
    let dir = options.corpus.appendingPathComponent(name)
    do {
        let model = try FloatModel(file: try KerasH5.read(dir.appendingPathComponent("model.h5")))
        let inputs = try NPY.read(contentsOf: dir.appendingPathComponent("inputs.npy"))
        for batch in options.batches {
            let x = try model.prepareInputs([try tiledBatch(inputs, batch: batch)])
            let ours = try samplesPerSecond(seconds: options.seconds, batch: batch) { _ = try model.forward(x) }
            var line = name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(batch).padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(format: "%10.1f", ours)
            if let python, let (ref, how) = tfKeras(python: python, corpus: options.corpus, case: name, batch: batch,
                                                     seconds: options.seconds) {
                line += String(format: "    %10.1f   %5.2fx", ref, ours / ref) + "  (tf_keras \(how))"
            } else {
                line += "             -       -"
            }
            print(line)
        }
    } catch {
        print("\(name): \(error)")
    }
}
