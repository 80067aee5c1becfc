// NotificationListener: one dedicated PostgreSQL connection that LISTENs on the queue's channels
// and hands each NOTIFY to a callback, on a thread of its own. When the connection drops (database
// restart, network failure) it reconnects every second and reports the reconnect, because
// notifications sent meanwhile are lost and the caller should look at the queue again.
import Foundation

final class NotificationListener: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false
    private var thread: Thread?

    func start(
        url: String, channels: [String], onNotify: @escaping @Sendable (String, String) -> Void,
        onConnect: @escaping @Sendable () -> Void
    ) {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { return }
        running = true
        let thread = Thread { [self] in
            while isRunning {
                do {
                    let connection = try PostgresConnection(url: url)
                    try connection.exec(channels.map { "LISTEN \($0);" }.joined(), "listen")
                    onConnect()
                    while isRunning {
                        for note in try connection.notifications(timeout: 0.25) { onNotify(note.channel, note.payload) }
                    }
                } catch {
                    if isRunning { Thread.sleep(forTimeInterval: 1) }
                }
            }
        }
        thread.name = "spikeforge.listen"
        self.thread = thread
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    /// Stops within the poll interval (the thread then closes its connection).
    func stop() {
        lock.lock()
        running = false
        thread = nil
        lock.unlock()
    }
}
