// PostgresPool: a bounded set of PostgreSQL connections shared by HTTP and worker threads. A thread
// borrows one connection for a statement or a transaction; connections are opened lazily and a
// broken one (server restart, network failure) is dropped, so the next borrower reconnects.
import Foundation

final class PostgresPool: @unchecked Sendable {
    let url: String
    let size: Int
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0

    init(url: String, size: Int) {
        self.url = url
        self.size = max(1, size)
    }

    /// Runs `body` with a connection of its own; waits while all `size` connections are busy.
    func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkout()
        do {
            let value = try body(connection)
            checkin(connection)
            return value
        } catch {
            checkin(connection)
            throw error
        }
    }

    /// Runs `body` inside BEGIN … COMMIT on one connection, rolling back when it throws.
    func transaction<T>(_ operation: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        try with { connection in
            try connection.exec("BEGIN", operation)
            do {
                let value = try body(connection)
                try connection.exec("COMMIT", operation)
                return value
            } catch {
                try? connection.exec("ROLLBACK", operation)
                throw error
            }
        }
    }

    private func checkout() throws -> PostgresConnection {
        condition.lock()
        while idle.isEmpty && open >= size { condition.wait() }
        if let connection = idle.popLast() {
            condition.unlock()
            return connection
        }
        open += 1
        condition.unlock()
        do {
            return try PostgresConnection(url: url)
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func checkin(_ connection: PostgresConnection) {
        condition.lock()
        if connection.isHealthy { idle.append(connection) } else { open -= 1 }
        condition.signal()
        condition.unlock()
    }
}
