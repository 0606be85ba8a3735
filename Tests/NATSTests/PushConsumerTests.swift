import EventLog
import Foundation
@testable import NATS
import TestSupport
import XCTest

/// A push consumer with flow control and idle heartbeats (what ordered consumers use): the server
/// stops delivering until each flow-control request is answered, so reading every message proves
/// the client answers them; heartbeats arrive as status 100 messages without a reply subject.
final class PushConsumerTests: XCTestCase {
    func testFlowControlIsAnsweredAndHeartbeatsArrive() throws {
        try NATSServerProcess.require()
        let directory = try TemporaryDirectory("rewind-nats-push")
        defer { directory.remove() }
        let server = try NATSServerProcess(name: "push", directory: directory.path)
        defer { server.kill() }
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        let jetStream = JetStream(connection: connection)
        try jetStream.createStream(StreamConfig(name: "BULK", subjects: ["bulk.>"]))
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        let count = 6_000 // 24 MiB: well past the bytes a push consumer sends before asking for flow control
        for index in 0..<count { try connection.publish("bulk.\(index % 10)", payload: payload) }
        try connection.flush()
        var stored: UInt64 = 0
        for _ in 0..<100 where stored < UInt64(count) {
            stored = try jetStream.streamInfo("BULK").state.messages
            usleep(50_000)
        }
        XCTAssertEqual(stored, UInt64(count))

        let deliver = connection.newInbox()
        let subscription = try connection.subscribe(deliver, answersFlowControl: true)
        var config = ConsumerConfig()
        config.deliverSubject = deliver
        config.deliverPolicy = "all"
        config.ackPolicy = "none"
        config.flowControl = true
        config.idleHeartbeat = 200_000_000 // 200 ms
        config.memStorage = true
        _ = try jetStream.createConsumer("BULK", config)
        var sequences: [UInt64] = []
        var heartbeats = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, heartbeats == 0 || sequences.count < count {
            guard let message = try subscription.next(timeoutMs: 1_000) else { continue }
            if message.status == 100 {
                heartbeats += 1
                continue
            }
            if let stored = JetStreamMessage(delivered: message) { sequences.append(stored.sequence) }
        }
        XCTAssertEqual(sequences, Array(1...UInt64(count)), "every message, in order, none twice")
        XCTAssertGreaterThan(heartbeats, 0)
        XCTAssertGreaterThan(subscription.flowControlAnswered, 0)
    }
}
