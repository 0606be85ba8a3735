import CCompression
@testable import EventLog
import Foundation
import Interop
import TestSupport
import XCTest

final class KafkaCodecsTests: XCTestCase {
    /// payments-0 holds gzip, snappy (xerial), lz4 and zstd batches, a transaction and its COMMIT
    /// marker: with the codecs every record decodes to exactly what the independent encoder wrote.
    func testEveryCodecDecodesTheTestDataExactly() throws {
        let log = try EventLog.open(sharedTestData("kafka/payments-0"), mode: .readOnly, decompressor: KafkaCodecs())
        defer { log.close() }
        let records = try log.partition(TopicPartition(topic: "payments", partition: 0)).read(from: .zero, maxRecords: 10_000)
        let lines = try String(contentsOfFile: sharedTestData("kafka/expected.jsonl"), encoding: .utf8).split(separator: "\n")
        let expected = lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .filter { $0["topic"] as? String == "payments" && $0["partition"] as? Int == 0 }
        XCTAssertEqual(records.count, expected.count)
        var codecs = Set<Int>()
        for (record, want) in zip(records, expected) {
            let batch = want["batch"] as! [String: Any]
            codecs.insert(batch["compression"] as! Int)
            XCTAssertEqual(record.offset.rawValue, Int64(want["offset"] as! Int))
            XCTAssertEqual(record.timestamp.milliseconds, Int64(want["timestamp"] as! Int))
            XCTAssertEqual(record.batch.compression.rawValue, batch["compression"] as! Int)
            XCTAssertEqual(record.key, bytes(want["key"] as Any), "key at \(record.offset)")
            XCTAssertEqual(record.value, bytes(want["value"] as Any), "value at \(record.offset)")
            let headers = (want["headers"] as! [[Any]]).map { Header(key: $0[0] as! String, value: bytes($0[1])) }
            XCTAssertEqual(record.headers, headers, "headers at \(record.offset)")
            XCTAssertEqual(record.batch.isControl, batch["control"] as! Bool)
            XCTAssertEqual(record.batch.producerId, Int64(batch["producer_id"] as! Int))
        }
        XCTAssertEqual(codecs, [0, 1, 2, 3, 4])
        XCTAssertTrue(try Verifier.verify(log).problems.isEmpty)
    }

    /// A broker's data dir (rolled segments, sparse indexes, LogAppendTime, tombstones, every codec)
    /// opens as is and gives exactly the records the independent encoder listed.
    func testBrokerDataDirectoryMatchesTheDump() throws {
        let root = sharedTestData("kafka-broker-layout")
        let before = try DirectorySnapshot(root)
        let log = try EventLog.open(root, mode: .readOnly, decompressor: KafkaCodecs())
        XCTAssertEqual(log.topics().map(\.name), ["mixed", "orders"])
        var ours: [String] = []
        for topic in ["orders", "mixed"] {
            for partition in try log.partitions(of: topic) {
                for record in try partition.read(from: partition.startOffset, maxRecords: 100_000) {
                    if record.batch.isControl, let marker = ControlRecord(key: record.key, value: record.value) {
                        ours.append("\(record.offset.rawValue) \(record.timestamp.milliseconds) CONTROL \(marker)")
                        continue
                    }
                    let key = record.key.map { String(decoding: $0, as: UTF8.self) } ?? "None"
                    let value = record.value.map { String(String(decoding: $0, as: UTF8.self).prefix(60)) } ?? "None"
                    ours.append("\(record.offset.rawValue) \(record.timestamp.milliseconds) \(key) \(value)")
                }
            }
        }
        log.close()
        let dump = try String(contentsOfFile: root + "/expected-dump.txt", encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^    \| offset=(\d+) ts=(-?\d+) key=(.*?) value=(.*?) headers="#, options: [.anchorsMatchLines])
        var theirs: [String] = []
        for match in pattern.matches(in: dump, range: NSRange(dump.startIndex..., in: dump)) {
            let field = { (index: Int) in String(dump[Range(match.range(at: index), in: dump)!]) }
            var value = field(4)
            if value.hasSuffix("...") { value = String(value.dropLast(3)) }
            theirs.append("\(field(1)) \(field(2)) \(field(3)) \(value)")
        }
        let control = try NSRegularExpression(pattern: #"^    \| offset=(\d+) ts=(-?\d+) (CONTROL .*)$"#, options: [.anchorsMatchLines])
        for match in control.matches(in: dump, range: NSRange(dump.startIndex..., in: dump)) {
            let field = { (index: Int) in String(dump[Range(match.range(at: index), in: dump)!]) }
            theirs.append("\(field(1)) \(field(2)) \(field(3))")
        }
        XCTAssertEqual(theirs.count, 379)
        XCTAssertEqual(ours.count, theirs.count)
        let missing = Set(theirs).subtracting(ours), extra = Set(ours).subtracting(theirs)
        XCTAssertTrue(missing.isEmpty && extra.isEmpty, "missing \(missing.sorted().prefix(5)), unexpected \(extra.sorted().prefix(5))")
        XCTAssertEqual(try DirectorySnapshot(root), before)
    }

    /// Compress with each library, decompress through KafkaCodecs: equal for random data of many
    /// sizes; every truncation fails cleanly; a bomb past the limit is refused.
    func testRoundTripsTruncationsAndLimitsProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let codecs = KafkaCodecs()
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            for size in [0, 1, 17, 1000, 70_000] {
                var data = random.bytes(size)
                if size > 100 { for index in stride(from: 0, to: size, by: 3) { data[index] = 7 } } // compressible
                let compressed = try compress(codec, data)
                var output: [UInt8] = []
                try compressed.withUnsafeBytes { try codecs.decompress(codec, $0, into: &output, limit: 1 << 20) }
                XCTAssertEqual(output, data, "\(codec) size \(size)")
                for cut in Set([0, 1, compressed.count / 2, max(0, compressed.count - 1)]) where cut < compressed.count && size > 0 {
                    var partial: [UInt8] = []
                    let prefix = Array(compressed[..<cut])
                    XCTAssertThrowsError(try prefix.withUnsafeBytes { try codecs.decompress(codec, $0, into: &partial, limit: 1 << 20) }, "\(codec) cut \(cut)")
                }
            }
            let bomb = try compress(codec, [UInt8](repeating: 0, count: 4 << 20))
            var output: [UInt8] = []
            XCTAssertThrowsError(try bomb.withUnsafeBytes { try codecs.decompress(codec, $0, into: &output, limit: 1 << 20) }, "\(codec) bomb")
            XCTAssertLessThanOrEqual(output.count, 1 << 20)
        }
    }

    private func bytes(_ value: Any) -> [UInt8]? {
        guard let object = value as? [String: String] else { return nil }
        if let text = object["utf8"] { return Array(text.utf8) }
        return object["base64"].flatMap { Data(base64Encoded: $0) }.map(Array.init)
    }

    /// Independent compressors: each library's own encoder (Kafka's xerial framing for snappy).
    private func compress(_ codec: CompressionCodec, _ data: [UInt8]) throws -> [UInt8] {
        switch codec {
        case .gzip:
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", "import gzip,sys; sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read()))"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            let writer = Thread { input.fileHandleForWriting.write(Data(data)); try? input.fileHandleForWriting.close() }
            writer.start()
            let result = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Array(result)
        case .snappy:
            var block = [UInt8](repeating: 0, count: snappy_max_compressed_length(data.count))
            var length = block.count
            _ = data.withUnsafeBytes { source in block.withUnsafeMutableBytes { destination in
                snappy_compress(source.baseAddress?.assumingMemoryBound(to: CChar.self), data.count, destination.baseAddress!.assumingMemoryBound(to: CChar.self), &length) } }
            let size = UInt32(length)
            return [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1,
                    UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + block[..<length]
        case .lz4:
            var frame = [UInt8](repeating: 0, count: LZ4F_compressFrameBound(data.count, nil))
            let length = data.withUnsafeBytes { source in frame.withUnsafeMutableBytes { destination in
                LZ4F_compressFrame(destination.baseAddress, destination.count, source.baseAddress, data.count, nil) } }
            return Array(frame[..<length])
        case .zstd:
            var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
            let length = data.withUnsafeBytes { source in frame.withUnsafeMutableBytes { destination in
                ZSTD_compress(destination.baseAddress, destination.count, source.baseAddress, data.count, 3) } }
            return Array(frame[..<length])
        case .none:
            return data
        }
    }
}

final class SegmentFileTests: XCTestCase {
    /// `rewind open some/dir/00000000000000000061.log`: that segment alone, read-only, unchanged.
    func testASingleSegmentFileOpensAsAPartition() throws {
        let root = sharedTestData("kafka-broker-layout/orders-0")
        let before = try DirectorySnapshot(root)
        let log = try EventLog.open(root + "/00000000000000000061.log", mode: .readOnly, decompressor: KafkaCodecs())
        defer { log.close() }
        XCTAssertEqual(log.topics().map(\.name), ["orders"])
        let partition = try log.partition(TopicPartition(topic: "orders", partition: 0))
        XCTAssertEqual(partition.startOffset, Offset(61))
        XCTAssertEqual(try partition.endOffset(), Offset(123))
        let records = try partition.read(from: .zero, maxRecords: 1000)
        XCTAssertEqual(records.first?.offset, Offset(61))
        XCTAssertEqual(records.count, 62)
        XCTAssertThrowsError(try EventLog.open(root + "/00000000000000000061.log", mode: .readWrite))
        XCTAssertEqual(try DirectorySnapshot(root), before)
    }
}
