import EventLog
import Foundation
import Interop
import KafkaClient
import TestSupport
import XCTest

/// `KafkaSource` against real brokers on loopback (`rewind serve` and tansu), fed by confluent-kafka.
final class KafkaSourceTests: XCTestCase {
    static let codecs = ["none", "gzip", "snappy", "lz4", "zstd"]

    /// Every record confluent-kafka produced, read back exactly (offsets, keys, values, headers,
    /// timestamps), for each codec, on both brokers.
    func testReadsWhatConfluentKafkaProducedWithEveryCodec() throws {
        for kind in [BrokerProcess.Kind.serve, .tansu] {
            let broker = try BrokerProcess(kind)
            for codec in Self.codecs {
                let topic = "codec-\(codec)"
                let count = 600
                XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, topic, codec, "\(count)", "3"]), "ok\n")
                let source = try KafkaSource(parsing: broker.url, decompressor: KafkaCodecs())
                defer { source.close() }
                XCTAssertTrue(try source.topicNames().contains(topic), "\(kind)")
                XCTAssertEqual(try source.partitionNumbers(of: topic), [0, 1, 2])
                for partition in Int32(0)..<3 {
                    let tp = TopicPartition(topic: topic, partition: partition)
                    let records = try readAll(source, tp, expected: count / 3)
                    XCTAssertEqual(records.map(\.offset.rawValue), Array(0..<Int64(count / 3)), "\(kind) \(codec) \(partition)")
                    for (index, record) in records.enumerated() {
                        let want = ProducerScripts.expected(index * 3 + Int(partition))
                        XCTAssertEqual(record.key, want.key, "\(kind) \(codec)")
                        XCTAssertEqual(record.value, want.value, "\(kind) \(codec)")
                        XCTAssertEqual(record.headers, want.headers, "\(kind) \(codec)")
                        XCTAssertEqual(record.timestamp, want.timestamp, "\(kind) \(codec)")
                    }
                    if codec != "none", let first = records.first {
                        XCTAssertEqual(first.batch.compression.description.lowercased(), codec, "\(kind): the batch as produced")
                    }
                }
            }
        }
    }

    /// Pages of 7 from arbitrary offsets: each read starts exactly where asked.
    func testReadsFromAnyOffsetInPages() throws {
        let broker = try BrokerProcess(.serve)
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "pages", "lz4", "300", "1"]), "ok\n")
        let source = try KafkaSource(parsing: broker.url, decompressor: KafkaCodecs())
        defer { source.close() }
        let tp = TopicPartition(topic: "pages", partition: 0)
        for start in [0, 1, 99, 150, 293, 299] {
            let page = try source.read(tp, from: Offset(Int64(start)), maxRecords: 7)
            XCTAssertEqual(page.map(\.offset.rawValue), Array(Int64(start)..<Int64(min(300, start + 7))))
            XCTAssertEqual(page.first?.key, ProducerScripts.expected(start).key)
        }
        XCTAssertEqual(try source.read(tp, from: Offset(300), maxRecords: 7), [])
    }

    /// Watermarks and timestamp lookups: against `rewind serve` (tansu's are unreliable).
    func testOffsetsAndSeekByTimeAgainstServe() throws {
        let broker = try BrokerProcess(.serve)
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "times", "none", "40", "2"]), "ok\n")
        let source = try KafkaSource(parsing: broker.url + "/times", decompressor: KafkaCodecs())
        defer { source.close() }
        XCTAssertEqual(try source.topicNames(), ["times"])
        let tp = TopicPartition(topic: "times", partition: 1)
        XCTAssertEqual(try source.startOffset(of: tp), Offset(0))
        XCTAssertEqual(try source.endOffset(of: tp), Offset(20))
        // Partition 1 holds records 1, 3, 5…: record 2k+1 at base + (2k+1) s, offset k.
        let base = ProducerScripts.baseTimestampMs
        XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: base + 7_000), in: tp), Offset(3))
        XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: base + 7_500), in: tp), Offset(4))
        XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: base), in: tp), Offset(0))
        XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: base + 999_000), in: tp), Offset(20), "past the end: the end offset")
    }

    /// A long poll wakes when another client produces.
    func testWaitForRecordsWakesOnAProduce() throws {
        let broker = try BrokerProcess(.serve)
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "live", "none", "3", "1"]), "ok\n")
        let source = try KafkaSource(parsing: broker.url, decompressor: KafkaCodecs())
        defer { source.close() }
        let tp = TopicPartition(topic: "live", partition: 0)
        XCTAssertFalse(try source.waitForRecords(tp, from: Offset(3), timeoutMs: 300))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            _ = try? runPython(ProducerScripts.produce, [broker.bootstrap, "live", "none", "3", "1"])
        }
        XCTAssertTrue(try source.waitForRecords(tp, from: Offset(3), timeoutMs: 20_000))
        XCTAssertEqual(try source.read(tp, from: Offset(3), maxRecords: 10).map(\.offset.rawValue), [3, 4, 5])
    }

    /// Groups confluent-kafka committed show with their committed offsets, on both brokers.
    func testGroupsCommittedByConfluentKafka() throws {
        for kind in [BrokerProcess.Kind.serve, .tansu] {
            let broker = try BrokerProcess(kind)
            XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "orders", "none", "30", "3"]), "ok\n")
            XCTAssertEqual(try runPython(ProducerScripts.commitGroup, [broker.bootstrap, "billing", "orders", "0:4", "2:9"]), "ok\n")
            let cluster = try KafkaCluster(url: try KafkaURL(parsing: broker.url), decompressor: KafkaCodecs())
            defer { cluster.close() }
            XCTAssertTrue(try cluster.listGroups().map(\.groupId).contains("billing"), "\(kind)")
            XCTAssertEqual(try cluster.committedOffsets("billing"), [TopicPartition(topic: "orders", partition: 0): Offset(4),
                                                                  TopicPartition(topic: "orders", partition: 2): Offset(9)], "\(kind)")
            // Our own commit reads back through confluent-kafka's view of the group too.
            try cluster.commit("billing", [TopicPartition(topic: "orders", partition: 1): Offset(7)])
            XCTAssertEqual(try cluster.committedOffsets("billing")[TopicPartition(topic: "orders", partition: 1)], Offset(7), "\(kind)")
        }
    }

    /// One line naming the broker: connection refused, unknown topic.
    func testErrorsNameTheBrokerAndTopic() throws {
        let port = try LoopbackPort.free()
        XCTAssertThrowsError(try KafkaSource(parsing: "kafka://127.0.0.1:\(port)", decompressor: KafkaCodecs())) { error in
            XCTAssertEqual("\(error)", "kafka://127.0.0.1:\(port): connection refused")
        }
        let broker = try BrokerProcess(.serve)
        XCTAssertThrowsError(try KafkaSource(parsing: broker.url + "/nope", decompressor: KafkaCodecs())) { error in
            XCTAssertTrue("\(error)".contains("topic 'nope' not found on cluster \(broker.url)"), "\(error)")
        }
    }

    /// The broker dies and comes back on the same port: the next read reconnects (backoff) and
    /// continues where the last one ended.
    func testReconnectsAfterTheBrokerRestarts() throws {
        let broker = try BrokerProcess(.serve)
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "restart", "zstd", "50", "1"]), "ok\n")
        let source = try KafkaSource(parsing: broker.url, decompressor: KafkaCodecs())
        defer { source.close() }
        let tp = TopicPartition(topic: "restart", partition: 0)
        XCTAssertEqual(try source.read(tp, from: Offset(0), maxRecords: 10).count, 10)
        broker.kill()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { try? broker.start() }
        let rest = try source.read(tp, from: Offset(60), maxRecords: 10) + readAll(source, tp, from: 10, expected: 40)
        XCTAssertEqual(rest.map(\.offset.rawValue), Array(10..<50))
    }

    private func readAll(_ source: KafkaSource, _ tp: TopicPartition, from start: Int64 = 0, expected: Int) throws -> [Record] {
        var records: [Record] = []
        var position = Offset(start)
        for _ in 0..<1000 where records.count < expected {
            let page = try source.read(tp, from: position, maxRecords: 50)
            guard let last = page.last else { break }
            records += page
            position = last.offset.advanced(by: 1)
        }
        return records
    }
}
