@testable import EventLog
import Foundation
import Interop
import TestSupport
import XCTest

/// ../shared/testdata/kafka-java is a log dir written by Apache Kafka's own record, segment and
/// index classes (every codec, idempotent and transactional producers, an aborted transaction):
/// its expected.jsonl is ground truth for reading.
final class KafkaJavaLogTests: XCTestCase {
    func testEveryRecordDecodesToKafkasExpectedFile() throws {
        let root = sharedTestData("kafka-java")
        let log = try EventLog.open(root, mode: .readOnly, decompressor: KafkaCodecs())
        defer { log.close() }
        let lines = try String(contentsOfFile: root + "/expected.jsonl", encoding: .utf8).split(separator: "\n")
        let expected = lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        var actual: [[String: Any]] = []
        var codecs = Set<CompressionCodec>()
        for topic in log.topics().sorted(by: { $0.name < $1.name }) {
            for partition in try log.partitions(of: topic.name).sorted(by: { $0.topicPartition.partition < $1.topicPartition.partition }) {
                let aborted = try partition.abortedTransactions()
                try partition.forEachRecord(from: .zero) { view, batch in
                    guard !batch.header.isControl else { return true }
                    let record = view.materialize(batch: batch.info)
                    codecs.insert(batch.info.compression)
                    var row: [String: Any] = [
                        "topic": topic.name, "partition": Int(partition.topicPartition.partition), "offset": Int(record.offset.rawValue),
                        "timestamp": Int(record.timestamp.milliseconds), "key": Self.json(record.key), "value": Self.json(record.value),
                        "headers": record.headers.map { [$0.key, Self.json($0.value)] },
                    ]
                    if aborted.contains(batch.header, offset: record.offset.rawValue) { row["aborted"] = true }
                    actual.append(row)
                    return true
                }
            }
        }
        XCTAssertEqual(actual.count, expected.count)
        for (got, want) in zip(actual, expected) {
            XCTAssertEqual(got as NSDictionary, want as NSDictionary)
        }
        XCTAssertEqual(actual.filter { $0["aborted"] != nil }.count, 13, "txn-B's records on orders-1 (10) and mixed-codecs-0 (3)")
        XCTAssertEqual(codecs, [.none, .gzip, .snappy, .lz4, .zstd])
        let report = try Verifier.verify(log)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.staleIndexes, [], "Kafka's own index files agree with the logs")
    }

    /// null, a UTF-8 string, or `{"base64": …}`, as expected.jsonl writes them.
    static func json(_ bytes: [UInt8]?) -> Any {
        guard let bytes else { return NSNull() }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return ["base64": Data(bytes).base64EncodedString()]
    }
}
