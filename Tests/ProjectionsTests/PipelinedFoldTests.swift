import EventLog
import Foundation
import Interop
@testable import Projections
import TestSupport
import XCTest

/// A fold that reads ahead (`ViewRunner.readsAhead`: batches read, decoded and prepared on other
/// threads) against the same fold on one thread: the same state and progress at every stop, over
/// many segments, compressed batches, transactions, appends after the end and a corrupt batch;
/// and the bytes a prepared event pointed to still hold it when the event is applied.
final class PipelinedFoldTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// Folds a digest of every record's bytes, taken twice: by `prepare` (on the read-ahead
    /// thread) and again by `apply`. If a batch's memory were reused before the fold reached it
    /// (a decompression buffer, an unmapped segment), the two would differ.
    struct RecordDigests: Projection {
        struct Entry: Codable, Hashable {
            var partition: Int32
            var offset: Int64
            var digest: UInt64
            /// What `prepare` saw, when the event was prepared ahead; not part of equality.
            var preparedDigest: UInt64?

            static func == (lhs: Entry, rhs: Entry) -> Bool {
                (lhs.partition, lhs.offset, lhs.digest) == (rhs.partition, rhs.offset, rhs.digest)
            }

            func hash(into hasher: inout Hasher) {
                hasher.combine(partition)
                hasher.combine(offset)
                hasher.combine(digest)
            }
        }

        typealias State = [Entry]
        var id: String { "digests" }
        var columns: [String] { ["offset"] }
        func makeInitialState() -> State { [] }
        func rows(of state: State) -> [ViewRow] { [] }
        func row(_ key: String, of state: State) -> ViewRow? { nil }
        func rowCount(of state: State) -> Int { state.count }

        func prepare(_ event: EventView) -> UInt64 { Self.digest(event) }

        func apply(_ event: EventView, to state: inout State) -> RowChange {
            state.append(Entry(partition: event.partition, offset: event.record.offset.rawValue, digest: Self.digest(event), preparedDigest: nil))
            return .none
        }

        func apply(_ event: EventView, prepared: UInt64, to state: inout State) -> RowChange {
            state.append(Entry(partition: event.partition, offset: event.record.offset.rawValue, digest: Self.digest(event), preparedDigest: prepared))
            return .none
        }

        static func digest(_ event: EventView) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            func mix(_ bytes: UnsafeRawBufferPointer?) {
                guard let bytes else {
                    hash = (hash ^ 0xFF) &* 0x100_0000_01b3
                    return
                }
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                hash = (hash ^ UInt64(bytes.count)) &* 0x100_0000_01b3
            }
            mix(event.key)
            mix(event.value)
            event.record.forEachHeader { key, value in
                mix(key)
                mix(value)
                return true
            }
            return (hash ^ UInt64(bitPattern: event.record.timestamp.milliseconds)) &* 0x100_0000_01b3
        }
    }

    /// Stops at random events, times and slice sizes; both runners are asked the same.
    func assertSameFolds<P: Projection>(_ log: LogSource, topic: String, _ projection: P, random: inout SeededRandom, stops: Int = 12,
                                        file: StaticString = #filePath, line: UInt = #line) throws -> (ViewRunner<P>, ViewRunner<P>)
        where P.State: Equatable {
        let single = try ViewRunner(log: log, topic: topic, projection: projection, snapshots: nil)
        let pipelined = try ViewRunner(log: log, topic: topic, projection: projection, snapshots: nil)
        single.checkpointEveryEvents = 0
        pipelined.checkpointEveryEvents = 0
        pipelined.readsAhead = true
        for _ in 0..<stops {
            let slice = Int64([1, 7, 100, 5_000, .max][Int.random(in: 0..<5, using: &random)])
            let a = try single.run(maxEvents: slice)
            let b = try pipelined.run(maxEvents: slice)
            XCTAssertEqual(a, b, "events folded", file: file, line: line)
            XCTAssertTrue(single.state == pipelined.state, "states differ after \(single.progress.eventsApplied) events", file: file, line: line)
            XCTAssertEqual(single.progress.positions, pipelined.progress.positions, file: file, line: line)
            XCTAssertEqual(single.progress.gaps, pipelined.progress.gaps, file: file, line: line)
            XCTAssertEqual(single.progress.duplicatesSkipped, pipelined.progress.duplicatesSkipped, file: file, line: line)
            XCTAssertEqual(single.progress.lastEvent, pipelined.progress.lastEvent, file: file, line: line)
            if Int.random(in: 0..<4, using: &random) == 0, let last = single.progress.lastEvent {
                // Back to a time before: both restart (no snapshots, no checkpoints) from the start.
                let target = FoldTarget.time(Timestamp(milliseconds: last.timestamp - Int64.random(in: 0...50_000, using: &random)))
                try single.rewind(to: target)
                try pipelined.rewind(to: target)
                XCTAssertTrue(single.state == pipelined.state, "states differ after rewinding", file: file, line: line)
            }
        }
        try single.run()
        try pipelined.run()
        XCTAssertTrue(single.state == pipelined.state, "states differ at the end", file: file, line: line)
        return (single, pipelined)
    }

    func testReadingAheadFoldsWhatOneThreadFolds() throws {
        var random = SeededRandom.fromEnvironment()
        for round in 0..<4 {
            let log = try EventLog.open(directory.appending("log\(round)"), mode: .readWrite, create: true)
            defer { log.close() }
            // Small segments: batches of a fold span many maps, each let go of behind the reader.
            let partitions = [1, 2, 3, 9][round]
            try log.createTopic("payments", config: TopicConfig(partitions: Int32(partitions), segmentBytes: 4 << 10))
            var records: [ProducerRecord] = []
            var time: Int64 = 1_000_000
            for n in 0..<Int.random(in: 500...3_000, using: &random) {
                time += Int64.random(in: -200...500, using: &random)
                let account = ["BradA", "CarolM", "Zoë"][Int.random(in: 0..<3, using: &random)]
                let type = ["deposit", "withdrawal", "withdrawal-rejected", "Deposit", "other"][Int.random(in: 0..<5, using: &random)]
                let id = Int.random(in: 0..<30, using: &random) == 0 ? "e\(max(0, n - 3))" : "e\(n)" // some duplicates
                records.append(bankEvent(type, account, Int.random(in: 1...900, using: &random), id: id, at: time))
            }
            var at = 0
            while at < records.count {
                let count = Int.random(in: 1...300, using: &random)
                _ = try log.append(Array(records[at..<min(records.count, at + count)]), to: "payments")
                at += count
            }
            let (_, digests) = try assertSameFolds(log, topic: "payments", RecordDigests(), random: &random)
            XCTAssertEqual(digests.state.count, records.count - Int(digests.progress.duplicatesSkipped))
            if partitions <= TopicStream<RecordDigests>.pipelinedPartitionsMax {
                XCTAssertTrue(digests.state.contains { $0.preparedDigest != nil }, "round \(round): some events were prepared ahead")
            } else {
                XCTAssertFalse(digests.state.contains { $0.preparedDigest != nil }, "round \(round): \(partitions) partitions are read on one thread")
            }
            for entry in digests.state where entry.preparedDigest != nil {
                XCTAssertEqual(entry.preparedDigest, entry.digest, "round \(round): partition \(entry.partition) offset \(entry.offset)")
            }
            _ = try assertSameFolds(log, topic: "payments", BalancesProjection(), random: &random)
            _ = try assertSameFolds(log, topic: "payments", TableProjection(), random: &random)
        }
    }

    /// At the end of the log the read-ahead thread stops; what is appended later is still folded.
    func testAppendsAfterTheEndAreFolded() throws {
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("payments", config: TopicConfig(partitions: 2, segmentBytes: 8 << 10))
        let runner = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
        runner.readsAhead = true
        var expected = 0.0
        for round in 0..<5 {
            var batch: [ProducerRecord] = []
            for n in 0..<200 {
                batch.append(bankEvent("deposit", "BradA", n + round, id: "r\(round)-\(n)", at: Int64(round * 1_000 + n)))
                expected += Double(n + round)
            }
            _ = try log.append(batch, to: "payments")
            try runner.run()
            XCTAssertEqual(runner.state["BradA"]?.balance, expected, "round \(round)")
        }
    }

    /// Every codec and a transaction, as Kafka's own classes wrote them: decompressed batches
    /// outlive the decoder's next batch while the fold still reads them.
    func testCompressedAndTransactionalBatchesFromKafka() throws {
        let log = try EventLog.open(sharedTestData("kafka-java"), mode: .readOnly, decompressor: KafkaCodecs())
        defer { log.close() }
        var random = SeededRandom.fromEnvironment()
        for topic in try log.topicNames() {
            let (single, pipelined) = try assertSameFolds(log, topic: topic, RecordDigests(), random: &random, stops: 4)
            XCTAssertFalse(single.state.isEmpty, topic)
            for entry in pipelined.state where entry.preparedDigest != nil {
                XCTAssertEqual(entry.preparedDigest, entry.digest, "\(topic)-\(entry.partition) offset \(entry.offset)")
            }
        }
    }

    /// A corrupt batch fails the fold where it fails on one thread, with the same error, after
    /// the same events.
    func testACorruptBatchFailsTheSameWay() throws {
        let path = directory.appending("log")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        try log.createTopic("payments", config: TopicConfig(partitions: 1, segmentBytes: 1 << 20))
        for round in 0..<20 {
            _ = try log.append((0..<50).map { bankEvent("deposit", "BradA", 1, id: "\(round)-\($0)", at: Int64(round * 100 + $0)) }, to: "payments")
        }
        log.close()
        let segment = try FileManager.default.contentsOfDirectory(atPath: path + "/payments-0").first { $0.hasSuffix(".log") }!
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/payments-0/" + segment)))
        bytes[bytes.count / 2] ^= 0x5A // inside a batch past the middle: its CRC no longer matches
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/payments-0/" + segment))
        let reopened = try EventLog.open(path, mode: .readOnly)
        defer { reopened.close() }
        func fold(readingAhead: Bool) -> (error: String, balance: Double?) {
            let runner = try! ViewRunner(log: reopened, topic: "payments", projection: BalancesProjection(), snapshots: nil)
            runner.readsAhead = readingAhead
            do {
                try runner.run()
                return ("no error", runner.state["BradA"]?.balance)
            } catch {
                return ("\(error)", runner.state["BradA"]?.balance)
            }
        }
        let single = fold(readingAhead: false), pipelined = fold(readingAhead: true)
        XCTAssertTrue(single.error.contains("corrupt") || single.error.contains("CRC") || single.error.contains("crc"), single.error)
        XCTAssertEqual(pipelined.error, single.error)
        XCTAssertEqual(pipelined.balance, single.balance)
        XCTAssertLessThan(single.balance ?? 0, 1_000, "the fold stopped at the corrupt batch")
    }
}
