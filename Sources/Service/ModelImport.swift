// Service: parsing uploaded models. libhdf5 is not trusted with hostile files, so an upload is
// described by `spikeforge inspect --json` in a child process with a timeout: a crash, a hang or
// a parse error becomes a 422, never a dead server. Without a spikeforge executable (inside a test
// runner) the same Engine code runs in-process.
import Diagnostics
import Dispatch
import Engine
import Foundation
import HTTPServer

enum ModelImport {
    static func invalid(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 422, title: "Invalid model", detail: detail, type: ServiceProblems.base + "invalid-model")
    }

    /// The executable that parses uploads, or nil to parse in-process.
    static func inspector(_ configuration: ServiceConfiguration) -> URL? {
        if !configuration.inspectExecutable.isEmpty { return URL(fileURLWithPath: configuration.inspectExecutable) }
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return own.lastPathComponent == "spikeforge" ? own : nil
    }

    static func register(on service: Service) {
        let executable = inspector(service.configuration)
        let timeout = TimeInterval(service.configuration.inspectTimeoutSeconds)
        let scratch = service.blobs.temporaryDirectory
        service.log(
            executable.map { "uploaded models are parsed by '\($0.path) inspect' in a child process" }
                ?? "uploaded models are parsed in-process (no spikeforge executable; set inspect_executable)")
        for format in ModelFormat.allCases {
            service.describeModels(format: format) { upload in
                let info =
                    try executable.map {
                        try describeInChild(upload.file, executable: $0, timeout: timeout, scratch: scratch)
                    }
                    ?? describeInProcess(upload.file)
                return ModelDescription(kind: info.kind, descriptionJSON: info.json)
            }
        }
    }

    static func describeInProcess(_ file: URL) throws -> ModelInfo {
        do { return try ModelDocument.read(contentsOf: file).info } catch let error as UserFacingError {
            throw ServiceProblems.http(error)
        } catch {
            throw invalid("\(error)")
        }
    }

    /// Runs `spikeforge inspect --json -m file`; stdout and stderr go to files (no pipe can fill up).
    static func describeInChild(_ file: URL, executable: URL, timeout: TimeInterval, scratch: URL) throws -> ModelInfo {
        let stdoutURL = scratch.appendingPathComponent("inspect-\(UUID().uuidString).out")
        let stderrURL = scratch.appendingPathComponent("inspect-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = try FileHandle(forWritingTo: stderrURL)
        defer { try? out.close(); try? err.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["inspect", "--json", "-m", file.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            // Foundation reports the end only once every inheritor of its status socket is gone;
            // a grandchild (a wrapper script's) may outlive the kill, so do not wait for it long.
            _ = finished.wait(timeout: .now() + 2)
            throw invalid(
                "parsing the model took longer than \(Int(timeout)) s and was stopped; the file is probably malformed")
        }
        if process.terminationReason == .uncaughtSignal {
            throw invalid(
                "the model file crashed the parser (signal \(process.terminationStatus)); it is malformed or "
                    + "not a supported model"
            )
        }
        if process.terminationStatus == ReportedError.exitCode,
            let report = ReportedError(json: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "")
        {
            throw ServiceProblems.http(report)
        }
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw invalid(cleaned(text))
        }
        do {
            return try JSONDecoder().decode(ModelInfo.self, from: Data(contentsOf: stdoutURL))
        } catch {
            throw invalid("the model parser returned an unreadable description: \(error)")
        }
    }

    /// ArgumentParser prints "Error: <description>" (and sometimes a usage line); keep the message.
    static func cleaned(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { String($0) }.filter {
            !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '")
        }
        var text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        return text.isEmpty ? "the model could not be parsed" : text
    }
}
