@testable import EventLog
import Foundation
import Interop
import TestSupport
import XCTest

final class ConsumerOffsetsTests: XCTestCase {
    func int16(_ value: Int16) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    func int64(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    func string(_ text: String) -> [UInt8] { int16(Int16(text.utf8.count)) + Array(text.utf8) }

    func commitKey(_ group: String, _ topic: String, _ partition: Int32, version: Int16 = 1) -> [UInt8] {
        int16(version) + string(group) + string(topic) + int32(partition)
    }

    /// Value v1 (with expire timestamp) and v3 (with leader epoch), Kafka's documented layouts.
    func commitValue(_ offset: Int64, version: Int16) -> [UInt8] {
        switch version {
        case 1: return int16(1) + int64(offset) + string("") + int64(1_700_000_000_000) + int64(1_700_086_400_000)
        default: return int16(3) + int64(offset) + int32(5) + string("meta") + int64(1_700_000_000_000)
        }
    }

    /// A broker data dir whose `__consumer_offsets` holds commits, a later commit, a tombstone and a
    /// group-metadata record: groups come out with the latest offsets and their lag, via the CLI too.
    func testCommittedOffsetsOfACapturedDataDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("kafka-data")
        let writer = try EventLog.open(path, mode: .readWrite, create: true)
        try writer.createTopic("orders", config: TopicConfig(partitions: 2))
        try writer.createTopic(KafkaConsumerOffsets.topic, config: TopicConfig(partitions: 1))
        for partition in Int32(0)...1 {
            _ = try writer.append((0..<10).map { ProducerRecord(value: Array("o\($0)".utf8), timestamp: Timestamp(milliseconds: Int64($0))) },
                                  to: "orders", partition: partition)
        }
        let time = Timestamp(milliseconds: 1_700_000_000_000)
        let records = [
            ProducerRecord(key: commitKey("billing", "orders", 0), value: commitValue(3, version: 1), timestamp: time),
            ProducerRecord(key: commitKey("billing", "orders", 1), value: commitValue(7, version: 3), timestamp: time),
            ProducerRecord(key: int16(2) + string("billing"), value: [0, 3, 1, 2, 3], timestamp: time), // group metadata
            ProducerRecord(key: commitKey("billing", "orders", 0, version: 0), value: commitValue(6, version: 3), timestamp: time),
            ProducerRecord(key: commitKey("audit", "orders", 1), value: commitValue(2, version: 1), timestamp: time),
            ProducerRecord(key: commitKey("audit", "orders", 1), value: nil, timestamp: time), // offsets deleted
            ProducerRecord(key: commitKey("audit", "orders", 0), value: commitValue(9, version: 3), timestamp: time),
        ]
        _ = try writer.append(records, to: KafkaConsumerOffsets.topic)
        writer.close()
        try FileSystem.remove(path + "/rewind.json") // now it looks like a broker's data dir
        try FileSystem.remove(path + "/.lock")

        let log = try EventLog.open(path, mode: .readOnly)
        let committed = try XCTUnwrap(try KafkaConsumerOffsets.committed(in: log))
        log.close()
        XCTAssertEqual(committed["billing"], [TopicPartition(topic: "orders", partition: 0): Offset(6), TopicPartition(topic: "orders", partition: 1): Offset(7)])
        XCTAssertEqual(committed["audit"], [TopicPartition(topic: "orders", partition: 0): Offset(9)])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("rewind").path)
        process.arguments = ["groups", "describe", "--dir", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(text.contains("group billing  total lag 7"), text)
        XCTAssertTrue(text.contains("orders-0  committed 6  end 10  lag 4"), text)
        XCTAssertTrue(text.contains("group audit  total lag 1"), text)
    }
}
