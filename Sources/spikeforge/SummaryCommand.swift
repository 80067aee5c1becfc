// `spikeforge summary`: akida's Model.summary() text (or JSON) for an Akida model file.
import AkidaFormats
import AkidaModel
import ArgumentParser
import Foundation

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print the summary of an Akida model (.fbz or Akida JSON), as akida's Model.summary() does.")

    @Option(name: [.short, .customLong("model")], help: "Akida model: a .fbz blob or an Akida JSON file.")
    var model: String

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("no such file: \(model)")
        }
        let summary = AkidaSummary(model: try AkidaModelFile.load(contentsOf: url))
        print(json ? summary.json : summary.text, terminator: "")
    }
}
