// StoreConfigurationTests: the `store` and `job_lease_seconds` settings — SQLite by default, a
// PostgreSQL URL from the environment, anything else refused, the password masked when printed.
import Foundation
import Service
import XCTest

final class StoreConfigurationTests: XCTestCase {
    func testDefaultIsSQLiteAndAPostgresURLSelectsPostgres() throws {
        XCTAssertEqual(ServiceConfiguration().store, "sqlite")
        XCTAssertFalse(ServiceConfiguration().usesPostgres)
        let url = "postgres://sf:s3cret@db.internal:5432/spikeforge?sslmode=require"
        let loaded = try ServiceConfiguration.load(
            file: nil, environment: ["SPIKEFORGE_STORE": url, "SPIKEFORGE_JOB_LEASE_SECONDS": "12"])
        XCTAssertTrue(loaded.usesPostgres)
        XCTAssertEqual(loaded.jobLeaseSeconds, 12)
        XCTAssertEqual(
            loaded.jsonObject()["store"] as? String, "postgres://sf:***@db.internal:5432/spikeforge?sslmode=require")
        XCTAssertEqual(loaded.jsonObject(maskSecrets: false)["store"] as? String, url)
    }

    func testOtherStoresAndLeasesAreRefused() {
        XCTAssertThrowsError(try ServiceConfiguration.load(file: nil, environment: ["SPIKEFORGE_STORE": "mysql://x"])) {
            XCTAssertTrue("\($0)".contains("store must be \"sqlite\" or a postgres:// URL"), "\($0)")
        }
        XCTAssertThrowsError(
            try ServiceConfiguration.load(file: nil, environment: ["SPIKEFORGE_JOB_LEASE_SECONDS": "0"]))
    }
}
