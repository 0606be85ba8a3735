import Foundation
import TestSupport
import XCTest

/// `rewind serve` on a terminal (tmux): the explorer over the served log with the broker's status
/// in its header, events a real client produces appearing live, and `q` shutting the broker down.
final class ServeExplorerTests: XCTestCase {
    func testOnATerminalServeOpensTheLiveExplorerWithItsStatus() throws {
        try requireClients(kcat: true)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        let directory = try TemporaryDirectory("rewind-serve-tty")
        defer { directory.remove() }
        let port = try LoopbackPort.free()
        let session = try TmuxSession(command: "REWIND_CACHE_DIR=\(directory.appending("cache")) \(ServeProcess.binary.path) serve --dir \(directory.appending("log")) --listen 127.0.0.1:\(port); echo SERVE-EXITED $?; sleep 120",
                                      width: 130, height: 30)
        session.waitFor("the status in the header") { $0.contains("⇄ 127.0.0.1:\(port) 0 clients") }
        let produced = try runToEnd("/usr/bin/kcat", ["-b", "127.0.0.1:\(port)", "-P", "-t", "orders", "-K:"], input: Data("o1:first-order\no2:second-order\n".utf8))
        XCTAssertEqual(produced.status, 0, produced.stderr)
        session.waitFor("the produced events in the live explorer") { $0.contains("orders") && $0.contains("second-order") }
        try session.send("q")
        let screen = session.waitFor("a clean exit") { $0.contains("SERVE-EXITED 0") }
        XCTAssertTrue(screen.contains("topic orders created"), "the log lines kept while the explorer was open are printed after it:\n\(screen)")
    }
}

/// `rewind demo` serves its log too: the header names the kcat command, and kcat reads the demo's events.
final class DemoServeTests: XCTestCase {
    func testTheDemoServesItsLogOnAFreeLoopbackPort() throws {
        try requireClients(kcat: true)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        let directory = try TemporaryDirectory("rewind-demo-serve")
        defer { directory.remove() }
        let session = try TmuxSession(command: "REWIND_CACHE_DIR=\(directory.appending("cache")) \(ServeProcess.binary.path) demo --dir \(directory.appending("log")) --events 300 --no-tour; echo DEMO-EXITED $?; sleep 120",
                                      width: 140, height: 30)
        let screen = session.waitFor("the kcat command in the header", timeout: 30) { $0.contains("kcat -b 127.0.0.1:") }
        let port = try XCTUnwrap(screen.components(separatedBy: "kcat -b 127.0.0.1:").last?.prefix { $0.isNumber })
        let consumed = try runToEnd("/usr/bin/kcat", ["-b", "127.0.0.1:\(port)", "-C", "-t", "payments", "-c", "5", "-f", "%t %o %s\n"])
        XCTAssertEqual(consumed.status, 0, consumed.stderr)
        XCTAssertEqual(consumed.stdout.split(separator: "\n").count, 5, consumed.stdout + consumed.stderr)
        XCTAssertTrue(consumed.stdout.hasPrefix("payments "), consumed.stdout)
        try session.send("q")
        session.waitFor("the demo to exit") { $0.contains("DEMO-EXITED 0") }
    }
}
