// MultiReplicaTests: two `spikeforge serve` processes on one PostgreSQL database (a fresh schema on
// the server scripts/test.sh starts) and one blob directory — jobs submitted to either run on both
// and look the same from both, a cancel sent to one replica stops the job on the other, kill -9 of a
// replica loses no upload and no job, and concurrent submissions with idempotency keys sent to both
// replicas create each job once.
import Foundation
import HTTPServer
import TestSupport
import XCTest

final class MultiReplicaTests: XCTestCase {
    var dataDir: URL!
    var environment: [String: String] = [:]
    var servers: [ServerProcess] = []

    override func setUpWithError() throws {
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spikeforge-replicas-\(UUID().uuidString)")
        environment = [
            "SPIKEFORGE_STORE": try PostgresServer.freshSchema(name), "SPIKEFORGE_JOB_LEASE_SECONDS": "2",
            "SPIKEFORGE_ACCESS_LOG": "false", "SPIKEFORGE_WORKERS": "2",
            // All test clients share 127.0.0.1; 100 connections at once go to each replica.
            "SPIKEFORGE_PER_IP_CONNECTION_LIMIT": "0",
        ]
    }

    override func tearDown() {
        for server in servers where server.process.isRunning { server.kill(SIGTERM) }
        try? FileManager.default.removeItem(at: dataDir)
    }

    func replica(workers: Int = 2) throws -> ServerProcess {
        var environment = self.environment
        environment["SPIKEFORGE_WORKERS"] = "\(workers)"
        let server = try ServerProcess(dataDir: dataDir, environment: environment)
        servers.append(server)
        return server
    }

    func uploadDataset(_ server: ServerProcess, kibibytes: Int) throws -> String {
        let count = kibibytes << 10
        var header = Array("{'descr': '|u1', 'fortran_order': False, 'shape': (\(count),), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        let bytes = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0] + header + randomBytes(count)
        let response = try HTTPClient.send(
            port: server.port, method: "POST", path: "/v1/datasets?name=noise.npy",
            headers: ["Content-Type": "application/octet-stream"], body: bytes)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String)
    }

    func submit(
        _ server: ServerProcess, _ dataset: String, mibPerSecond: Double? = nil, key: String? = nil
    ) throws
        -> HTTPClientResponse
    {
        var params: [String: Any] = ["dataset_id": dataset]
        if let mibPerSecond { params["max_mib_per_second"] = mibPerSecond }
        let body = try JSONSerialization.data(withJSONObject: ["type": "checksum", "params": params])
        var headers = ["Content-Type": "application/json"]
        if let key { headers["Idempotency-Key"] = key }
        return try HTTPClient.send(
            port: server.port, method: "POST", path: "/v1/jobs", headers: headers, body: [UInt8](body))
    }

    func job(_ server: ServerProcess, _ id: String) throws -> [String: Any] {
        try server.send("GET", "/v1/jobs/\(id)").object
    }

    /// The pid part of the replica named in each "started" event (`<host>-<pid>-<random>`).
    func startedOn(_ server: ServerProcess, _ id: String) throws -> [Int32] {
        let events = try server.send("GET", "/v1/jobs/\(id)/events").object["items"] as? [[String: Any]] ?? []
        return events.filter { $0["kind"] as? String == "started" }.compactMap { event in
            let replica = (event["message"] as? String)?.components(separatedBy: " started on ").last ?? ""
            return Int32(replica.split(separator: "-").dropLast().last ?? "")
        }
    }

    func waitUntil(_ timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    func testJobsSubmittedToEitherReplicaRunOnBothAndLookTheSame() throws {
        let a = try replica(workers: 1), b = try replica(workers: 1)
        let dataset = try uploadDataset(a, kibibytes: 256)
        XCTAssertEqual(try b.send("GET", "/v1/datasets/\(dataset)").status, 200, "an upload to a is visible on b")
        var ids: [String] = []
        for i in 0..<8 {
            let response = try submit(i % 2 == 0 ? a : b, dataset, mibPerSecond: 1)
            XCTAssertEqual(response.status, 202, response.text)
            ids.append(try XCTUnwrap(response.object["id"] as? String))
        }
        let finished = try waitUntil(60) {
            try ids.allSatisfy { try job(a, $0)["state"] as? String == "succeeded" }
        }
        XCTAssertTrue(finished, "\(ids.map { try? job(b, $0) })")
        for id in ids {
            let (fromA, fromB) = (try job(a, id), try job(b, id))
            XCTAssertEqual(NSDictionary(dictionary: fromA), NSDictionary(dictionary: fromB), "one job, one state")
            XCTAssertEqual((fromA["result"] as? [String: Any])?["intact"] as? Bool, true)
        }
        let runners = Set(try ids.flatMap { try startedOn(a, $0) })
        XCTAssertEqual(runners, [a.process.processIdentifier, b.process.processIdentifier], "each replica ran some")
    }

    func testCancelSentToOneReplicaStopsTheJobOnTheOther() throws {
        let a = try replica(workers: 1), b = try replica(workers: 1)
        let dataset = try uploadDataset(a, kibibytes: 4096)
        let id = try XCTUnwrap(try submit(a, dataset, mibPerSecond: 0.5).object["id"] as? String)
        XCTAssertTrue(try waitUntil(10) { try job(a, id)["state"] as? String == "running" })
        let runner = try XCTUnwrap(try startedOn(a, id).first)
        let other = runner == a.process.processIdentifier ? b : a
        XCTAssertEqual(try other.send("DELETE", "/v1/jobs/\(id)").status, 202)
        XCTAssertTrue(
            try waitUntil(10) { try job(other, id)["state"] as? String == "cancelled" },
            "\(String(describing: try? job(a, id)))")
    }

    func testKillMinus9LosesNothingTheOtherReplicaFinishesItsJobs() throws {
        let a = try replica(workers: 2)
        let dataset = try uploadDataset(a, kibibytes: 3072)
        var ids: [String] = []
        for _ in 0..<3 {
            let response = try submit(a, dataset, mibPerSecond: 1)
            XCTAssertEqual(response.status, 202, response.text)
            ids.append(try XCTUnwrap(response.object["id"] as? String))
        }
        XCTAssertTrue(
            try waitUntil(10) { try ids.prefix(2).allSatisfy { try job(a, $0)["state"] as? String == "running" } })
        let b = try replica(workers: 2)
        a.kill(SIGKILL)

        XCTAssertEqual(try b.send("GET", "/v1/datasets/\(dataset)").status, 200, "the upload survives")
        let finished = try waitUntil(60) {
            try ids.allSatisfy { try job(b, $0)["state"] as? String == "succeeded" }
        }
        XCTAssertTrue(finished, "\(ids.map { try? job(b, $0) })")
        for id in ids.prefix(2) {
            let view = try job(b, id)
            XCTAssertEqual(view["attempts"] as? Int, 2, "the interrupted run was taken over")
            XCTAssertEqual((view["result"] as? [String: Any])?["intact"] as? Bool, true)
            XCTAssertEqual(try startedOn(b, id), [a.process.processIdentifier, b.process.processIdentifier])
        }
        let log = try String(contentsOf: b.log, encoding: .utf8)
        XCTAssertTrue(log.contains("job \(ids[0]) was left running by a replica whose lease expired"), log)
    }

    func testConcurrentIdempotentSubmissionsToBothReplicasCreateEachJobOnce() throws {
        let a = try replica(), b = try replica()
        let dataset = try uploadDataset(a, kibibytes: 4)
        let responses = Collected<(key: String, status: Int, id: String?, replayed: Bool)>()
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for i in 0..<200 {
            done.enter()
            let thread = Thread { [self] in
                defer { done.leave() }
                start.wait()
                let key = "batch-\(i / 2)"
                let response = Result { try submit(i % 2 == 0 ? a : b, dataset, key: key) }
                let answer = try? response.get()
                if case .failure(let error) = response { XCTFail("\(key): \(error)") }
                responses.append(
                    (
                        key, answer?.status ?? 0, answer?.object["id"] as? String,
                        answer?.headers["idempotent-replayed"] == "true"
                    ))
            }
            thread.start()
        }
        for _ in 0..<200 { start.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        let answers = responses.items
        XCTAssertEqual(answers.count, 200)
        XCTAssertTrue(answers.allSatisfy { $0.status == 202 }, "\(answers.filter { $0.status != 202 })")
        let byKey = Dictionary(grouping: answers, by: { $0.key })
        XCTAssertEqual(byKey.count, 100)
        for (key, pair) in byKey {
            XCTAssertEqual(Set(pair.compactMap { $0.id }).count, 1, "\(key): one job for both submissions")
            XCTAssertEqual(pair.filter { !$0.replayed }.count, 1, "\(key): created once, replayed once")
        }
        let listed = try a.send("GET", "/v1/jobs?limit=500").object["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(listed.count, 100)
    }
}

/// Values appended from many threads.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T] = []
    func append(_ value: T) { lock.lock(); values.append(value); lock.unlock() }
    var items: [T] { lock.lock(); defer { lock.unlock() }; return values }
}
