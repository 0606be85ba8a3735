import Foundation
import TestSupport
import XCTest

/// `rewind open kafka://…` in a real terminal (tmux): the explorer shows a live topic and follows
/// what confluent-kafka produces while it is open.
final class KafkaExplorerTests: XCTestCase {
    func testExplorerOverKafkaFollowsLiveProduces() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { return XCTFail("tmux is not installed (make deps)") }
        let broker = try BrokerProcess(.serve)
        let directory = try TemporaryDirectory("rewind-kafka-explorer")
        defer { directory.remove() }
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "orders", "lz4", "40", "1"]), "ok\n")
        let session = try TmuxSession(command: "REWIND_CACHE_DIR=\(directory.appending("cache")) \(BrokerProcess.rewindBinary.path) open \(broker.url)/orders; echo RW-EXITED; sleep 120",
                                      width: 120, height: 30)
        session.waitFor("the explorer over the topic") { $0.contains("Events orders-0") && $0.contains("0..<40") && $0.contains("kafka://") }
        // 80 more (values v0- … v79-) produced while the explorer is open: v79- exists only among them.
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "orders", "zstd", "80", "1"]), "ok\n")
        try session.send("F") // follow the live tail
        session.waitFor("the live records", timeout: 20) { $0.contains("0..<120") && $0.contains("v79-") }
        try session.send("q")
        session.waitFor("the explorer to quit") { $0.contains("RW-EXITED") }
    }
}
