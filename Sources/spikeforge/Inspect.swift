// `spikeforge inspect`: describes any model file (float or quantized tf_keras .h5, Akida .fbz or
// Akida JSON) — the summary text, or the JSON description the service stores for uploads (the
// service runs this command in a child process so that a hostile file cannot take it down).
import ArgumentParser
import Diagnostics
import Engine
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a model file (tf_keras .h5, Akida .fbz or Akida JSON): layers, shapes, parameters.")

    @Option(name: .shortAndLong, help: "The model file: float or quantized tf_keras .h5, Akida .fbz or Akida JSON.")
    var model: String

    @Flag(name: .long, help: "Print the description as JSON instead of the summary text.")
    var json = false

    func run() throws {
        let url = try existingFile(model)
        guard json else {
            print(try ModelDocument.read(contentsOf: url).summaryText, terminator: "")
            return
        }
        do {
            print(try ModelDocument.read(contentsOf: url).info.json)
        } catch let error as UserFacingError {
            // The service reads this report to give the problem it gives when parsing in-process.
            print(ReportedError(error).json)
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(ReportedError.exitCode)
        }
    }
}
