// Service: what operators and load balancers use — bearer-token auth on /v1, liveness and readiness
// probes, Prometheus metrics (requests by route and status, jobs by state, queue depth, durations),
// and the status page's location next to the binary.
import Engine
import Foundation
import HTTPServer
import Jobs
import Persistence

/// Request counters by (method, route, status); routes are patterns so label cardinality stays bounded.
final class RequestMetrics {
    struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    private let lock = NSLock()
    private var counts: [Key: Int] = [:]
    private var durationSums: [Key: Double] = [:]

    func record(_ request: CompletedRequest) {
        let key = Key(method: request.method, route: request.route ?? "unmatched", status: request.status)
        lock.lock()
        counts[key, default: 0] += 1
        durationSums[key, default: 0] += request.durationMilliseconds / 1000
        lock.unlock()
    }

    func snapshot() -> [(Key, Int, Double)] {
        lock.lock(); defer { lock.unlock() }
        return counts.map { ($0.key, $0.value, durationSums[$0.key] ?? 0) }
            .sorted { ($0.0.route, $0.0.method, $0.0.status) < ($1.0.route, $1.0.method, $1.0.status) }
    }
}

extension Service {
    func authorize(_ request: Request) throws {
        guard !configuration.authTokens.isEmpty, request.path == "/v1" || request.path.hasPrefix("/v1/") else { return }
        let header = request.header("authorization") ?? ""
        let parts = header.split(separator: " ", maxSplits: 1)
        if parts.count == 2, parts[0].lowercased() == "bearer" {
            let offered = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
            if configuration.authTokens.contains(where: { Service.constantTimeEqual(Array($0.utf8), offered) }) {
                return
            }
        }
        throw HTTPProblem(
            status: 401,
            detail: header.isEmpty
                ? "this server requires a bearer token on /v1: send 'Authorization: Bearer <token>'"
                : "the bearer token is not valid for this server",
            type: ServiceProblems.base + "unauthorized",
            headers: [("WWW-Authenticate", "Bearer realm=\"spikeforge\"")])
    }

    /// Compares without an early exit so response timing does not reveal how much of a token matched.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    func readiness() throws -> Response {
        var checks: [String: String] = [:]
        var ready = true
        do {
            _ = try store.jobCountsByState()
            checks["store"] = "ok"
        } catch {
            checks["store"] = "\(error)"
            ready = false
        }
        checks["jobs"] = jobs.isAccepting ? "ok" : "not accepting"
        if !jobs.isAccepting || isStopping { ready = false }
        if isStopping { checks["server"] = "shutting down" }
        guard ready else {
            let states = checks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            throw HTTPProblem(
                status: 503, title: "Not ready",
                detail: "not ready: \(states.joined(separator: ", "))",
                type: ServiceProblems.base + "not-ready", extra: ["checks": checks])
        }
        return .json(object: ["status": "ready", "checks": checks])
    }

    func prometheusText() throws -> String {
        func label(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
        }
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
        var lines: [String] = []
        let requests = metrics.snapshot()
        lines.append("# HELP spikeforge_http_requests_total HTTP requests by method, route pattern and status.")
        lines.append("# TYPE spikeforge_http_requests_total counter")
        func labels(_ key: RequestMetrics.Key) -> String {
            "method=\"\(key.method)\",route=\"\(label(key.route))\",status=\"\(key.status)\""
        }
        for (key, count, _) in requests {
            lines.append("spikeforge_http_requests_total{\(labels(key))} \(count)")
        }
        lines.append(
            "# HELP spikeforge_http_request_duration_seconds_sum Time spent serving requests by method, route "
                + "and status."
        )
        lines.append("# TYPE spikeforge_http_request_duration_seconds_sum counter")
        for (key, _, seconds) in requests {
            lines.append("spikeforge_http_request_duration_seconds_sum{\(labels(key))} \(seconds)")
        }

        let job = try jobs.metrics()
        lines.append("# HELP spikeforge_jobs Jobs in the store by state.")
        lines.append("# TYPE spikeforge_jobs gauge")
        for state in JobState.allCases {
            lines.append("spikeforge_jobs{state=\"\(state.rawValue)\"} \(job.jobsByState[state] ?? 0)")
        }
        lines.append("# HELP spikeforge_job_queue_depth Jobs waiting for a worker in this process.")
        lines.append("# TYPE spikeforge_job_queue_depth gauge")
        lines.append("spikeforge_job_queue_depth \(job.queueDepth)")
        lines.append("# HELP spikeforge_jobs_running Jobs running in this process.")
        lines.append("# TYPE spikeforge_jobs_running gauge")
        lines.append("spikeforge_jobs_running \(job.running)")
        lines.append("# HELP spikeforge_job_workers Size of the worker pool.")
        lines.append("# TYPE spikeforge_job_workers gauge")
        lines.append("spikeforge_job_workers \(job.workers)")
        lines.append("# HELP spikeforge_jobs_submitted_total Jobs accepted by this process.")
        lines.append("# TYPE spikeforge_jobs_submitted_total counter")
        lines.append("spikeforge_jobs_submitted_total \(job.submitted)")
        lines.append("# HELP spikeforge_job_runs_total Job runs finished in this process by outcome.")
        lines.append("# TYPE spikeforge_job_runs_total counter")
        for (outcome, count) in job.finishedByOutcome.sorted(by: { $0.key < $1.key }) {
            lines.append("spikeforge_job_runs_total{outcome=\"\(label(outcome))\"} \(count)")
        }
        lines.append("# HELP spikeforge_kernel_path The kernel instruction-set path in use (1 for the active one).")
        lines.append("# TYPE spikeforge_kernel_path gauge")
        for path in KernelInfo.supportedPaths {
            lines.append("spikeforge_kernel_path{path=\"\(path)\"} \(path == KernelInfo.activePath ? 1 : 0)")
        }
        lines.append("# HELP spikeforge_job_duration_seconds Job run durations by type.")
        lines.append("# TYPE spikeforge_job_duration_seconds histogram")
        for (type, histogram) in job.durations.sorted(by: { $0.key < $1.key }) {
            for (bound, count) in zip(DurationHistogram.bounds, histogram.cumulativeCounts) {
                lines.append(
                    "spikeforge_job_duration_seconds_bucket{type=\"\(label(type))\",le=\"\(number(bound))\"} \(count)")
            }
            lines.append(
                "spikeforge_job_duration_seconds_bucket{type=\"\(label(type))\",le=\"+Inf\"} \(histogram.count)")
            lines.append("spikeforge_job_duration_seconds_sum{type=\"\(label(type))\"} \(histogram.sum)")
            lines.append("spikeforge_job_duration_seconds_count{type=\"\(label(type))\"} \(histogram.count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The status page (Sources/Service/Resources/index.html), read from the resource bundle that
/// SwiftPM places next to the executable. Looked up by hand so a binary copied without its bundle
/// still serves the API (the page then says what is missing) instead of crashing.
enum StatusPage {
    static let bundleName = "SpikeForge_Service.resources"

    static func load() -> [UInt8] {
        var directories = [Bundle.main.bundleURL, Bundle.main.executableURL?.deletingLastPathComponent()].compactMap {
            $0
        }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        for directory in directories {
            for path in ["\(bundleName)/Resources/index.html", "\(bundleName)/index.html"] {
                if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(path).path) {
                    return [UInt8](data)
                }
            }
        }
        return Array(
            """
            <!doctype html><meta charset="utf-8"><title>SpikeForge</title>
            <p>SpikeForge is running, but its status page was not installed: copy the \(bundleName)
            directory next to the spikeforge binary. The API is under <a href="/v1/jobs">/v1</a>.</p>
            """.utf8)
    }
}
