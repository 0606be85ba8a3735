import Foundation
import NATS
import TestSupport
import XCTest

/// `rewind open nats://…` in a real terminal (tmux): the explorer shows the stream and follows
/// messages published while it is open.
final class JetStreamExplorerTests: XCTestCase {
    func testExplorerOverAStreamFollowsNewMessages() throws {
        try NATSServerProcess.require()
        let directory = try TemporaryDirectory("rewind-nats-explorer")
        defer { directory.remove() }
        let server = try NATSServerProcess(name: "explorer", directory: directory.path)
        defer { server.kill() }
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        let binary = bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
        let bank = directory.appending("bank")
        for arguments in [["generate", "bank", "--dir", bank, "--events", "2000"],
                          ["mirror", "payments", "--dir", bank, "--to", server.url + "/PAY", "--create"]] {
            let process = try Process.run(URL(fileURLWithPath: binary), arguments: arguments)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(arguments)")
        }
        let session = try TmuxSession(command: "REWIND_CACHE_DIR=\(directory.appending("cache")) \(binary) open \(server.url)/PAY; echo RW-EXITED; sleep 120",
                                      width: 120, height: 30)
        session.waitFor("the explorer over the stream") { $0.contains("Events PAY-0") && $0.contains("0..<2001") && $0.contains("nats://") }

        // Published while the explorer is open: its replica follower fetches them.
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        for index in 0..<5 {
            try connection.publish("payments.LIVE", payload: Array("{\"type\":\"deposit\",\"account\":\"LIVE\",\"amount\":\(index)}".utf8))
        }
        try connection.flush()
        try session.send("F") // follow the live tail
        session.waitFor("the new messages") { $0.contains("0..<2006") && $0.contains("LIVE") }
        try session.send("q")
        session.waitFor("the explorer to quit") { $0.contains("RW-EXITED") }
    }
}
