// HTTPServer: the connection policy that keeps slow clients from locking others out. It tracks
// every open connection (address, socket, when its current request began, whether its header is
// complete) and: closes a connection that has not sent a complete request header within the
// header deadline (apart from the idle timeout, which a client resets with every byte); caps
// connections per address below the global cap; and, when a cap is reached, makes room by
// closing the oldest connection still sending its header instead of refusing the newcomer — so
// /healthz and /readyz get through even while one address holds every slot with slow headers.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class ConnectionGuard {
    private struct Tracked {
        var address: String
        var socket: Int32
        var since: UInt64
        var headerComplete: Bool
        var closing: Bool
    }

    let connectionLimit: Int
    let perAddressLimit: Int
    let headerDeadlineNanoseconds: UInt64
    /// Called (outside the lock) once per connection closed by the policy, with the reason.
    var onClose: ((String, String) -> Void)?
    private let lock = NSLock()
    private var connections: [OpaquePointer: Tracked] = [:]
    private var timer: DispatchSourceTimer?

    init(connectionLimit: Int, perAddressLimit: Int, headerTimeoutSeconds: Int) {
        self.connectionLimit = max(1, connectionLimit)
        self.perAddressLimit = perAddressLimit > 0 ? min(perAddressLimit, self.connectionLimit) : self.connectionLimit
        headerDeadlineNanoseconds = UInt64(max(0, headerTimeoutSeconds)) * 1_000_000_000
    }

    func startWatching() {
        guard headerDeadlineNanoseconds > 0, timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let period = min(1.0, Double(headerDeadlineNanoseconds) / 4e9)
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [weak self] in self?.closeLateHeaders() }
        timer.resume()
        self.timer = timer
    }

    func stopWatching() {
        timer?.cancel()
        timer = nil
    }

    /// The accept decision for a client at `address`: room is made by closing the oldest
    /// connection still sending its header (from that address first); false when there is none.
    func admit(_ address: String) -> Bool {
        lock.lock()
        var victims: [String] = []
        defer {
            lock.unlock()
            for victim in victims {
                onClose?(victim, "a new connection needed its slot while it was sending its header")
            }
        }
        let open = connections.values.filter { !$0.closing }
        if open.filter({ $0.address == address }).count >= perAddressLimit {
            guard let victim = evictOldestPending(from: address) else { return false }
            victims.append(victim)
        }
        if open.count - victims.count >= connectionLimit {
            guard let victim = evictOldestPending(from: nil) else { return false }
            victims.append(victim)
        }
        return true
    }

    func opened(_ connection: OpaquePointer, socket: Int32) {
        let tracked = Tracked(
            address: ConnectionGuard.peerAddress(socket), socket: socket, since: DispatchTime.now().uptimeNanoseconds,
            headerComplete: false, closing: false)
        lock.lock(); connections[connection] = tracked; lock.unlock()
    }

    func closed(_ connection: OpaquePointer) {
        lock.lock(); connections[connection] = nil; lock.unlock()
    }

    /// The request header of `connection` is complete: the header deadline no longer applies.
    func headerReceived(_ connection: OpaquePointer) {
        lock.lock(); connections[connection]?.headerComplete = true; lock.unlock()
    }

    /// A request finished; on a kept-alive connection the next header's deadline starts now.
    func requestFinished(_ connection: OpaquePointer) {
        lock.lock()
        connections[connection]?.headerComplete = false
        connections[connection]?.since = DispatchTime.now().uptimeNanoseconds
        lock.unlock()
    }

    private func closeLateHeaders() {
        lock.lock()
        // Read the clock under the lock: a request finishing meanwhile may restart a deadline
        // (`since`) after a clock reading taken outside it, and the unsigned difference would trap.
        let now = DispatchTime.now().uptimeNanoseconds
        var closed: [String] = []
        for (key, tracked) in connections
        where !tracked.headerComplete && !tracked.closing && now > tracked.since
            && now - tracked.since > headerDeadlineNanoseconds
        {
            close(key)
            closed.append(tracked.address)
        }
        lock.unlock()
        for address in closed { onClose?(address, "its request header took longer than the header deadline") }
    }

    /// Under the lock: the oldest connection still sending its header, shut down.
    private func evictOldestPending(from address: String?) -> String? {
        let pending = connections.filter {
            !$0.value.headerComplete && !$0.value.closing && (address == nil || $0.value.address == address)
        }
        guard let oldest = pending.min(by: { $0.value.since < $1.value.since }) else { return nil }
        close(oldest.key)
        return oldest.value.address
    }

    /// Under the lock: shutting the socket down (not closing it, which stays libmicrohttpd's job)
    /// makes libmicrohttpd see the end of the connection and release it as usual.
    private func close(_ connection: OpaquePointer) {
        guard let tracked = connections[connection], tracked.socket >= 0 else { return }
        connections[connection]?.closing = true
        shutdown(tracked.socket, Int32(SHUT_RDWR))
    }

    static func peerAddress(_ socket: Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(socket, $0, &length) }
        }
        guard status == 0 else { return "?" }
        return withUnsafePointer(to: &storage) { address(UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self)) }
    }

    /// The numeric host of a socket address (IPv4 or IPv6).
    static func address(_ pointer: UnsafePointer<sockaddr>) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let length = socklen_t(
            pointer.pointee.sa_family == sa_family_t(AF_INET6)
                ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        guard getnameinfo(pointer, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return "?"
        }
        return String(cString: host)
    }
}
