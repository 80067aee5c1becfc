// Running one parse in a forked child process, so that a crash or hang inside a C library
// becomes a test failure naming the input rather than the end of the test run.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum Isolated {
    enum Outcome: Equatable { case returned, threw, crashed(signal: Int32) }

    /// Runs `body` in a child; SIGALRM after `timeoutSeconds` counts as a hang (signal 14).
    static func run(timeoutSeconds: UInt32, _ body: () throws -> Void) -> Outcome {
        let pid = fork()
        if pid == 0 {
            alarm(timeoutSeconds)
            do { try body(); _exit(0) } catch { _exit(1) }
        }
        guard pid > 0 else { return .crashed(signal: -1) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        if signal != 0 { return .crashed(signal: signal) }
        return (status >> 8) & 0xff == 0 ? .returned : .threw
    }
}
