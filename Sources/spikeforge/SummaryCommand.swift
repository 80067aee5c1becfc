// `spikeforge summary`: akida's Model.summary() text (or JSON) for an Akida model file.
import ArgumentParser
import Engine
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
        let url = try existingFile(model)
        let document = try ModelDocument.akida(contentsOf: url)
        print(json ? document.summaryJSON : document.summaryText, terminator: "")
    }
}
