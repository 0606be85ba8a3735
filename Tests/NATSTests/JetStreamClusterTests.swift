import EventLog
import Foundation
@testable import NATS
import TestSupport
import XCTest

/// A 3-node JetStream cluster on loopback (three nats-server processes with routes, separate
/// stores): a replicas=3 stream survives kill -9 of a member mid-mirror with every event exactly
/// once, and reads carry on while members die and come back.
final class JetStreamClusterTests: XCTestCase {
    var directory: TemporaryDirectory!
    var nodes: [NATSServerProcess] = []

    override func setUpWithError() throws {
        try NATSServerProcess.require()
        directory = try TemporaryDirectory("rewind-nats-cluster")
        let clusterPorts = try (0..<3).map { _ in try LoopbackPort.free() }
        for index in 0..<3 {
            nodes.append(try NATSServerProcess(name: "n\(index + 1)", directory: directory.path,
                                               cluster: (name: "rewind", routes: clusterPorts, port: clusterPorts[index])))
        }
    }

    override func tearDown() {
        for node in nodes { node.kill() }
        nodes = []
        directory?.remove()
    }

    var clusterURL: String { "nats://" + nodes.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") }

    func testMirrorThroughKillNineOfAMemberKeepsEveryEventExactlyOnce() throws {
        let events = 100_000
        let log = try JetStreamInteropTests.bankLog(directory.appending("bank"), events: events, partitions: 3)
        defer { log.close() }
        let connection = try NATSConnection(url: try NATSURL(parsing: clusterURL))
        defer { connection.close() }
        let jetStream = JetStream(connection: connection)
        jetStream.retryForMs = 30_000 // the first meta-leader election on a fresh cluster
        let mirror = JetStreamMirror(jetStream: jetStream, stream: "PAYMENTS", subjectPrefix: "payments")
        try mirror.createStreamIfMissing(replicas: 3)
        XCTAssertEqual(try jetStream.streamInfo("PAYMENTS").config.numReplicas, 3)

        // Kill -9 the member this client is connected to, half-way through, from another thread
        // a moment later, so it dies with publishes in flight.
        var killed: NATSServerProcess?
        let killDone = DispatchSemaphore(value: 0)
        mirror.progress = { acknowledged in
            guard killed == nil, acknowledged >= events / 2, let server = connection.connectedServer else { return }
            let node = self.nodes.first { $0.port == server.port }
            killed = node
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) {
                node?.kill()
                killDone.signal()
            }
        }
        let report = try mirror.mirror(log: log, topic: "payments", now: JetStreamInteropTests.seconds)
        XCTAssertNotNil(killed)
        XCTAssertEqual(killDone.wait(timeout: .now() + 10), .success)
        XCTAssertGreaterThanOrEqual(connection.reconnects, 1)
        XCTAssertEqual(report.published + report.duplicates, events)
        print("cluster mirror: \(report.published) published, \(report.duplicates) duplicates dropped, \(report.resent) re-sent, \(String(format: "%.1f", report.seconds)) s")

        // With the member still down: the stream holds every event exactly once.
        let source = try JetStreamSource(url: try NATSURL(parsing: clusterURL + "/PAYMENTS"))
        defer { source.close() }
        XCTAssertEqual(try jetStream.streamInfo("PAYMENTS").state.messages, UInt64(events))
        try assertExactlyOnce(source, events: events)

        // Restart it; then kill the member the reader is connected to, mid-read: reads carry on.
        try killed?.start()
        let reader = try JetStreamSource(url: try NATSURL(parsing: clusterURL + "/PAYMENTS"))
        defer { reader.close() }
        let partition = TopicPartition(topic: "PAYMENTS", partition: 0)
        var seen = Set<Int64>()
        var position = Offset(1)
        var secondKill: NATSServerProcess?
        while position.rawValue <= Int64(events) {
            let records = try reader.read(partition, from: position, maxRecords: 5_000)
            XCTAssertFalse(records.isEmpty, "read stalled at \(position)")
            guard let last = records.last else { break }
            for record in records { XCTAssertTrue(seen.insert(record.offset.rawValue).inserted) }
            position = last.offset.advanced(by: 1)
            if secondKill == nil, position.rawValue > Int64(events / 2), let server = reader.connection.connectedServer {
                secondKill = nodes.first { $0.port == server.port }
                secondKill?.kill()
            }
        }
        XCTAssertEqual(seen.count, events)
        XCTAssertNotNil(secondKill)
        try secondKill?.start()

        // Every member catches up: all three replicas current again.
        let deadline = Date().addingTimeInterval(30)
        var info = try jetStream.streamInfo("PAYMENTS")
        while Date() < deadline, !((info.cluster?.replicas ?? []).count == 2 && (info.cluster?.replicas ?? []).allSatisfy { $0.current == true }) {
            usleep(250_000)
            info = try jetStream.streamInfo("PAYMENTS")
        }
        XCTAssertEqual(info.cluster?.replicas?.filter { $0.current == true }.count, 2, "\(String(describing: info.cluster))")
        XCTAssertEqual(info.state.messages, UInt64(events))
    }

    private func assertExactlyOnce(_ source: JetStreamSource, events: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let partition = TopicPartition(topic: "PAYMENTS", partition: 0)
        var ids = Set<String>()
        var position = try source.startOffset(of: partition)
        var count = 0
        while true {
            let records = try source.read(partition, from: position, maxRecords: 10_000)
            guard let last = records.last else { break }
            for record in records {
                let id = record.headers.first { $0.key == "Nats-Msg-Id" }?.value.map { String(decoding: $0, as: UTF8.self) } ?? ""
                XCTAssertTrue(ids.insert(id).inserted, "duplicate \(id)", file: file, line: line)
            }
            count += records.count
            position = last.offset.advanced(by: 1)
        }
        XCTAssertEqual(count, events, file: file, line: line)
        XCTAssertEqual(ids.count, events, file: file, line: line)
    }
}
