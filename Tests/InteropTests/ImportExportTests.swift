@testable import EventLog
import Foundation
import Interop
import TestSupport
import XCTest

final class ImportExportTests: XCTestCase {
    var directory: TemporaryDirectory!
    var log: EventLog!
    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
    }
    override func tearDown() {
        log?.close()
        directory.remove()
    }

    func exportText(_ topic: String, _ format: ExportFormat) throws -> String {
        var out: [UInt8] = []
        try Exporter.export(log, topic: topic, format: format) { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }

    func records(_ topic: String) throws -> [[Record]] {
        try log.partitions(of: topic).map { try $0.read(from: .zero, maxRecords: 100_000) }
    }

    /// Random records (null, binary and text keys and values, headers with null values, offset gaps,
    /// out-of-order timestamps) in 3 partitions: export as kcat, import into a new topic — every
    /// partition, offset, timestamp, key, value and header comes back identical.
    func testKcatExportImportRoundTripProperty() throws {
        var random = SeededRandom.fromEnvironment()
        try log.createTopic("source", config: TopicConfig(partitions: 3))
        for partition in try log.partitions(of: "source") {
            var next: Int64 = Int64.random(in: 0...5, using: &random)
            for _ in 0..<20 {
                let batch = (0..<Int.random(in: 1...8, using: &random)).map { _ -> (ProducerRecord, Int64) in
                    let key: [UInt8]? = [nil, Array("k\(Int.random(in: 0...9, using: &random))".utf8), random.bytes(3)].randomElement(using: &random)!
                    let value: [UInt8]? = [nil, Array(#"{"n":\#(Int.random(in: -5...5, using: &random)),"s":"é\"x"}"#.utf8), Array("plain text".utf8), random.bytes(6)].randomElement(using: &random)!
                    let headers = (0..<Int.random(in: 0...2, using: &random)).map { Header(key: "h\($0)", value: Bool.random(using: &random) ? random.bytes(2) : nil) }
                    defer { next += Int64.random(in: 1...3, using: &random) } // gaps, as after compaction
                    return (ProducerRecord(key: key, value: value, headers: headers, timestamp: Timestamp(milliseconds: 1_700_000_000_000 + Int64.random(in: -5000...5000, using: &random))), next)
                }
                try partition.append(batch.map(\.0), offsets: batch.map(\.1))
            }
        }
        let text = try exportText("source", .kcat)
        let lines = text.split(separator: "\n").map(String.init)
        let report = try Importer.importLines(lines, name: "export.kcat", into: log, topic: "copy", options: ImportOptions(now: Timestamp(milliseconds: 0)))
        XCTAssertEqual(report.format, .kcat)
        XCTAssertEqual(report.partitions, 3)
        let original = try records("source"), copied = try records("copy")
        XCTAssertEqual(copied.map(\.count), original.map(\.count))
        for (left, right) in zip(original.joined(), copied.joined()) {
            XCTAssertEqual(right.offset, left.offset)
            XCTAssertEqual(right.timestamp, left.timestamp)
            XCTAssertEqual(right.key, left.key)
            XCTAssertEqual(right.value, left.value)
            XCTAssertEqual(right.headers, left.headers)
        }
        XCTAssertEqual(try exportText("copy", .kcat), text.replacingOccurrences(of: "\"topic\":\"source\"", with: "\"topic\":\"copy\""))
    }

    func testJSONLinesWithKeyAndTimeFields() throws {
        let lines = [#"{"id":"a","at":1700000000,"v":1}"#, #"{"id":"b","at":1700000000123,"v":2}"#,
                     #"{"id":"c","at":"2024-01-15T12:00:00Z","v":3}"#, #"{"id":"d","at":1700000000123456,"v":4}"#]
        let report = try Importer.importLines(lines, name: "events.jsonl", into: log, topic: "j",
                                              options: ImportOptions(keyField: "id", timeField: "at", now: Timestamp(milliseconds: 0)))
        XCTAssertEqual(report.format, .jsonl)
        let imported = try records("j")[0]
        XCTAssertEqual(imported.map { String(decoding: $0.key!, as: UTF8.self) }, ["a", "b", "c", "d"])
        XCTAssertEqual(imported.map(\.timestamp.milliseconds), [1_700_000_000_000, 1_700_000_000_123, 1_705_320_000_000, 1_700_000_000_123])
        XCTAssertEqual(imported.map { String(decoding: $0.value!, as: UTF8.self) }, lines)
    }

    func testCSVBecomesTypedJSONAndExportsBack() throws {
        let lines = ["id,name,amount,ok,when", #"1,"Smith, J ""JJ""",12.5,true,2024-01-15T12:00:00Z"#, "2,Zoë,,false,1705320001"]
        _ = try Importer.importLines(lines, name: "t.csv", into: log, topic: "c", options: ImportOptions(keyField: "id", timeField: "when", now: Timestamp(milliseconds: 0)))
        let imported = try records("c")[0]
        XCTAssertEqual(imported.map { String(decoding: $0.value!, as: UTF8.self) }, [
            #"{"id":1,"name":"Smith, J \"JJ\"","amount":12.5,"ok":true,"when":"2024-01-15T12:00:00Z"}"#,
            #"{"id":2,"name":"Zoë","amount":null,"ok":false,"when":1705320001}"#,
        ])
        XCTAssertEqual(imported.map(\.timestamp.milliseconds), [1_705_320_000_000, 1_705_320_001_000])
        let csv = try exportText("c", .csv).split(separator: "\n")
        XCTAssertEqual(csv[0], "partition,offset,timestamp,key,value")
        XCTAssertEqual(CSV.fields(String(csv[1]))?[4], #"{"id":1,"name":"Smith, J \"JJ\"","amount":12.5,"ok":true,"when":"2024-01-15T12:00:00Z"}"#)
    }

    /// A bad line stops the import naming file and line, and the log is exactly as before;
    /// with skipBad the rest is imported and the bad lines are reported.
    func testBadLinesStopOrAreSkippedAndNothingIsHalfWritten() throws {
        try log.createTopic("existing", config: TopicConfig(partitions: 1))
        let before = try DirectorySnapshot(log.directory)
        let lines = [#"{"a":1}"#, #"{"a":2}"#, "{broken", #"{"a":4}"#]
        XCTAssertThrowsError(try Importer.importLines(lines, name: "in.jsonl", into: log, topic: "t", options: ImportOptions(now: Timestamp(milliseconds: 0)))) { error in
            XCTAssertEqual("\(error)", "in.jsonl:3: not valid JSON")
        }
        XCTAssertEqual(try DirectorySnapshot(log.directory), before)
        XCTAssertEqual(log.topics().map(\.name), ["existing"])
        let report = try Importer.importLines(lines, name: "in.jsonl", into: log, topic: "t", options: ImportOptions(skipBad: true, now: Timestamp(milliseconds: 0)))
        XCTAssertEqual(report.imported, 3)
        XCTAssertEqual(report.badLines.map(\.0), [3])
        XCTAssertThrowsError(try Importer.importLines(lines, name: "in.jsonl", into: log, topic: "existing", options: ImportOptions(skipBad: true, now: Timestamp(milliseconds: 0))))
    }

    /// Streaming: partitions appear as the capture names them (0 and 3 here: 1 and 2 exist, empty);
    /// a kcat offset that does not increase within its partition is a bad line, named.
    func testStreamedKcatCreatesNamedPartitionsAndRefusesOffsetsGoingBack() throws {
        func line(_ partition: Int, _ offset: Int) -> String {
            #"{"topic":"x","partition":\#(partition),"offset":\#(offset),"tstype":"create","ts":1700000000000,"broker":0,"key":null,"payload":"v\#(offset)"}"#
        }
        let lines = (0..<2500).map { line($0 % 2 == 0 ? 0 : 3, 10 + $0) }
        let report = try Importer.importLines(lines, name: "capture.kcat", into: log, topic: "streamed", options: ImportOptions(now: Timestamp(milliseconds: 0)))
        XCTAssertEqual(report.partitions, 4)
        XCTAssertEqual(report.imported, 2500)
        XCTAssertEqual(try log.partitions(of: "streamed").map { try $0.endOffset().rawValue }, [2509, 0, 0, 2510])
        XCTAssertEqual(try log.partition(TopicPartition(topic: "streamed", partition: 3)).read(from: Offset(2509), maxRecords: 1).first?.value, Array("v2509".utf8))
        let before = try DirectorySnapshot(log.directory)
        XCTAssertThrowsError(try Importer.importLines([line(0, 5), line(1, 7), line(0, 5)], name: "dup.kcat", into: log, topic: "dup",
                                                      options: ImportOptions(now: Timestamp(milliseconds: 0)))) { error in
            XCTAssertEqual("\(error)", "dup.kcat:3: offset 5 does not follow offset 5 of partition 0")
        }
        XCTAssertEqual(try DirectorySnapshot(log.directory), before)
    }

    /// A crash while the staged topic was being moved into place: the next writable open removes
    /// the half-moved topic and reports it, as if the import never happened.
    func testInterruptedImportIsUndoneOnOpen() throws {
        try log.createTopic("kept", config: TopicConfig(partitions: 1))
        _ = try log.append([ProducerRecord(value: Array("1".utf8), timestamp: Timestamp(milliseconds: 1))], to: "kept")
        log.close()
        let path = directory.appending("log")
        var metadata = try XCTUnwrap(try LogMetadata.load(from: path))
        var marked = TopicConfig(partitions: 2)
        marked.importing = true
        metadata.topics["half"] = marked
        try metadata.save(to: path)
        try FileSystem.createDirectory(path + "/half-0")
        try FileSystem.createDirectory(path + "/.import-other")
        log = try EventLog.open(path, mode: .readWrite)
        XCTAssertEqual(log.topics().map(\.name), ["kept"])
        XCTAssertFalse(FileSystem.exists(path + "/half-0"))
        XCTAssertFalse(FileSystem.exists(path + "/.import-other"))
        XCTAssertEqual(log.repairs.count, 1)
        XCTAssertEqual(try log.partition(TopicPartition(topic: "kept", partition: 0)).endOffset(), Offset(1))
    }
}
