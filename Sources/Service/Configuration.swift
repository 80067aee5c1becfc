// Service: the configuration — embedded defaults, then a JSON file, then SPIKEFORGE_<KEY>
// environment variables, then command-line flags (each layer overrides the previous one).
import Foundation

public struct ConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "configuration: \(message)" }
}

public struct ServiceConfiguration: Equatable, Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Holds `spikeforge.sqlite` (+ WAL), `blobs/` and `tmp/`.
    public var dataDir = "./data"
    /// Jobs running at once.
    public var workers = 2
    /// libmicrohttpd's thread pool; handlers run there, never long numerics.
    public var httpThreads = 4
    public var maxUploadBytes = 2 << 30
    public var maxJSONBodyBytes = 1 << 20
    public var connectionLimit = 256
    public var perIPConnectionLimit = 64
    public var connectionTimeoutSeconds = 60
    /// How long SIGTERM waits for requests and running jobs before exiting.
    public var shutdownTimeoutSeconds = 30
    /// A job interrupted by this many crashes is failed instead of retried.
    public var jobMaxAttempts = 5
    /// Bearer tokens accepted on /v1; empty = authentication off.
    public var authTokens: [String] = []
    public var accessLog = true
    /// Largest `.npy` body `POST /v1/models/{id}/predict` takes; bigger batches go through an `infer` job.
    public var maxPredictBytes = 16 << 20
    /// Uploaded models are parsed by `spikeforge inspect` in a child process killed after this long.
    public var inspectTimeoutSeconds = 60
    /// The `spikeforge` executable that parses uploads; empty = the running executable when it is
    /// `spikeforge` (otherwise, e.g. inside a test runner, uploads are parsed in-process).
    public var inspectExecutable = ""
    /// `sqlite` (the embedded database in `data_dir`) or a PostgreSQL URL (`postgres://…`) shared
    /// by several replicas, which then share `data_dir` for blobs.
    public var store = "sqlite"
    /// PostgreSQL mode: a job whose replica sent no heartbeat for this long is run by another one.
    public var jobLeaseSeconds = 30

    /// True when `store` names a PostgreSQL server.
    public var usesPostgres: Bool { store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") }
    /// Largest sum of an uploaded `.npz`'s inflated members, checked while they stream through zlib.
    public var maxNPZInflatedBytes = 1 << 30
    /// Largest inflated/compressed ratio of one `.npz` member (members above 4 KiB).
    public var maxNPZRatio = 1_100
    /// Bytes one job or one synchronous predict may use for a batch (inputs plus activations);
    /// the batch size is derived from it, so memory is bounded by bytes, not by a user's number.
    public var workerMemoryBudgetBytes = 256 << 20
    /// Seconds a connection may take to send its complete request header (from accept), apart
    /// from the idle `connection_timeout_seconds`; slow senders are closed when it passes.
    public var headerTimeoutSeconds = 10

    public init() {}

    /// Every key, as written in `config/spikeforge.json`; the environment variable is
    /// `SPIKEFORGE_` + the key upper-cased (lists in the environment are comma-separated).
    public static let keys: [String] = settings.map(\.key)

    public static func environmentName(_ key: String) -> String { "SPIKEFORGE_" + key.uppercased() }

    /// Defaults ← file (if any) ← environment.
    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        if let file {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw ConfigurationError(message: "cannot read \(file): \(error.localizedDescription)")
            }
            try configuration.apply(json: data, source: file)
        }
        for setting in settings {
            if let text = environment[environmentName(setting.key)] {
                try setting.setText(&configuration, text, "environment variable \(environmentName(setting.key))")
            }
        }
        try configuration.validate()
        return configuration
    }

    /// Applies a JSON object of settings; unknown keys are errors (they are usually typos).
    public mutating func apply(json data: Data, source: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ConfigurationError(message: "\(source) is not a JSON object")
        }
        for (key, value) in object {
            guard let setting = ServiceConfiguration.settings.first(where: { $0.key == key }) else {
                throw ConfigurationError(
                    message:
                        "unknown key '\(key)' in \(source); known keys: "
                        + "\(ServiceConfiguration.keys.joined(separator: ", "))"
                )
            }
            try setting.setJSON(&self, value, "\(source) key '\(key)'")
        }
        try validate()
    }

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigurationError(message: "port \(port) is outside 0...65535") }
        for (name, value) in [
            ("workers", workers), ("http_threads", httpThreads), ("connection_limit", connectionLimit),
            ("max_upload_bytes", maxUploadBytes), ("max_json_body_bytes", maxJSONBodyBytes),
            ("job_max_attempts", jobMaxAttempts),
            ("max_predict_bytes", maxPredictBytes), ("inspect_timeout_seconds", inspectTimeoutSeconds),
            ("job_lease_seconds", jobLeaseSeconds),
            ("max_npz_inflated_bytes", maxNPZInflatedBytes), ("max_npz_ratio", maxNPZRatio),
            ("worker_memory_budget_bytes", workerMemoryBudgetBytes), ("header_timeout_seconds", headerTimeoutSeconds),
        ] where value < 1 {
            throw ConfigurationError(message: "\(name) must be at least 1 (got \(value))")
        }
        guard !dataDir.isEmpty else { throw ConfigurationError(message: "data_dir must not be empty") }
        guard store == "sqlite" || usesPostgres else {
            throw ConfigurationError(
                message: "store must be \"sqlite\" or a postgres:// URL (got '\(store.prefix(40))')")
        }
    }

    /// The effective settings as a JSON object (tokens masked), for `serve --print-config` and logs.
    public func jsonObject(maskSecrets: Bool = true) -> [String: Any] {
        var object: [String: Any] = [:]
        for setting in ServiceConfiguration.settings { object[setting.key] = setting.get(self) }
        if maskSecrets {
            object["auth_tokens"] = authTokens.map { _ in "***" }
            // postgres://user:password@host/db → postgres://user:***@host/db
            object["store"] = store.replacingOccurrences(
                of: #"(://[^:/@]*):[^@]*@"#, with: "$1:***@", options: .regularExpression)
        }
        return object
    }

    // MARK: - the key table

    struct Setting {
        let key: String
        let get: (ServiceConfiguration) -> Any
        let setJSON: (inout ServiceConfiguration, Any, String) throws -> Void
        let setText: (inout ServiceConfiguration, String, String) throws -> Void
    }

    static func int(_ key: String, _ path: WritableKeyPath<ServiceConfiguration, Int>) -> Setting {
        Setting(
            key: key, get: { $0[keyPath: path] },
            setJSON: { configuration, value, source in
                guard let number = value as? NSNumber, !isJSONBoolean(value),
                    number.doubleValue == number.doubleValue.rounded(),
                    abs(number.doubleValue) < 1e18
                else {
                    throw ConfigurationError(message: "\(source) must be an integer")
                }
                configuration[keyPath: path] = number.intValue
            },
            setText: { configuration, text, source in
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ConfigurationError(message: "\(source) must be an integer, got '\(text)'")
                }
                configuration[keyPath: path] = value
            })
    }

    static func string(_ key: String, _ path: WritableKeyPath<ServiceConfiguration, String>) -> Setting {
        Setting(
            key: key, get: { $0[keyPath: path] },
            setJSON: { configuration, value, source in
                guard let text = value as? String else {
                    throw ConfigurationError(message: "\(source) must be a string")
                }
                configuration[keyPath: path] = text
            },
            setText: { configuration, text, _ in configuration[keyPath: path] = text })
    }

    static func bool(_ key: String, _ path: WritableKeyPath<ServiceConfiguration, Bool>) -> Setting {
        Setting(
            key: key, get: { $0[keyPath: path] },
            setJSON: { configuration, value, source in
                guard isJSONBoolean(value), let flag = value as? Bool else {
                    throw ConfigurationError(message: "\(source) must be true or false")
                }
                configuration[keyPath: path] = flag
            },
            setText: { configuration, text, source in
                switch text.lowercased() {
                case "1", "true", "yes", "on": configuration[keyPath: path] = true
                case "0", "false", "no", "off": configuration[keyPath: path] = false
                default: throw ConfigurationError(message: "\(source) must be true or false, got '\(text)'")
                }
            })
    }

    static func strings(_ key: String, _ path: WritableKeyPath<ServiceConfiguration, [String]>) -> Setting {
        Setting(
            key: key, get: { $0[keyPath: path] },
            setJSON: { configuration, value, source in
                guard let list = value as? [String] else {
                    throw ConfigurationError(message: "\(source) must be a list of strings")
                }
                configuration[keyPath: path] = list
            },
            setText: { configuration, text, _ in
                configuration[keyPath: path] = text.split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
            })
    }

    static let settings: [Setting] = [
        string("host", \.host),
        int("port", \.port),
        string("data_dir", \.dataDir),
        int("workers", \.workers),
        int("http_threads", \.httpThreads),
        int("max_upload_bytes", \.maxUploadBytes),
        int("max_json_body_bytes", \.maxJSONBodyBytes),
        int("connection_limit", \.connectionLimit),
        int("per_ip_connection_limit", \.perIPConnectionLimit),
        int("connection_timeout_seconds", \.connectionTimeoutSeconds),
        int("shutdown_timeout_seconds", \.shutdownTimeoutSeconds),
        int("job_max_attempts", \.jobMaxAttempts),
        strings("auth_tokens", \.authTokens),
        bool("access_log", \.accessLog),
        int("max_predict_bytes", \.maxPredictBytes),
        int("inspect_timeout_seconds", \.inspectTimeoutSeconds),
        string("inspect_executable", \.inspectExecutable),
        string("store", \.store),
        int("job_lease_seconds", \.jobLeaseSeconds),
        int("max_npz_inflated_bytes", \.maxNPZInflatedBytes),
        int("max_npz_ratio", \.maxNPZRatio),
        int("worker_memory_budget_bytes", \.workerMemoryBudgetBytes),
        int("header_timeout_seconds", \.headerTimeoutSeconds),
    ]
}

/// True for JSON `true`/`false` from JSONSerialization. (`value is Bool` also holds for the
/// numbers 0 and 1 on Linux, so the boxed type is checked instead.)
func isJSONBoolean(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return String(cString: number.objCType) == "c"
}
