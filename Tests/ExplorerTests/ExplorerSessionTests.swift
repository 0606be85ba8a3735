@testable import EventLog
@testable import Explorer
import Projections
import Scenarios
import TestSupport
import XCTest

final class ExplorerSessionTests: XCTestCase {
    var directory: TemporaryDirectory!
    var log: EventLog!
    var session: ExplorerSession!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        try log.createTopic("payments", config: TopicConfig(partitions: 2, segmentBytes: 32 << 10))
        var generator = BankGenerator(seed: 9, accounts: 30, start: Timestamp(milliseconds: 1_700_000_000_000), spanMs: 86_400_000, events: 4000)
        _ = try log.append(generator.generate(4000), to: "payments")
        _ = try log.append([ProducerRecord(key: [0xFF, 0x00], value: [0x00, 0x01, 0xFE, 0x41], timestamp: Timestamp(milliseconds: 1_700_090_000_000))],
                           to: "payments", partition: 1)
        session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: directory.appending("cache")),
                                  now: { Timestamp(milliseconds: 1_700_100_000_000) })
    }

    override func tearDown() {
        log.close()
        directory.remove()
    }

    func only(_ messages: [Message]) -> Message {
        XCTAssertEqual(messages.count, 1)
        return messages[0]
    }

    func testTopicsEventsAndTimeline() throws {
        guard case let .topicsLoaded(topics, _) = only(session.perform(.loadTopics)) else { return XCTFail() }
        XCTAssertEqual(topics.map(\.name), ["payments"])
        XCTAssertEqual(topics[0].events, 4001)
        let end = topics[0].partitions[0].endOffset
        guard case let .eventsLoaded(rows, cursor) = only(session.perform(.loadEvents(topic: "payments", partition: 0, around: end + 50, count: 10, filter: nil))) else { return XCTFail() }
        XCTAssertEqual(cursor, end - 1)
        XCTAssertEqual(rows.map(\.offset), Array((end - 10)..<end))
        guard case let .timelineLoaded(buckets, start, stop) = only(session.perform(.loadTimeline(topic: "payments", buckets: 50))) else { return XCTFail() }
        XCTAssertEqual(buckets.reduce(0, +), 4001)
        XCTAssertLessThan(start, stop)
    }

    func testSeekSearchFilterAndDetail() throws {
        guard case let .cursorResolved(_, offset, note) = only(session.perform(.seekTime(topic: "payments", partition: 0, expression: "2023-11-14T22:13:20Z"))) else { return XCTFail() }
        let partition = try log.partition(TopicPartition(topic: "payments", partition: 0))
        XCTAssertEqual(offset, try partition.offset(forTimestamp: Timestamp(milliseconds: 1_700_000_000_000)).rawValue)
        XCTAssertTrue(note.contains("2023-11-14T22:13:20.000Z"))
        // Relative times use the injected clock.
        guard case let .cursorResolved(_, relative, _) = only(session.perform(.seekTime(topic: "payments", partition: 0, expression: "-1h"))) else { return XCTFail() }
        XCTAssertEqual(relative, try partition.offset(forTimestamp: Timestamp(milliseconds: 1_700_096_400_000)).rawValue.clamped(to: partition.startOffset.rawValue, try partition.endOffset().rawValue - 1))

        let records = try partition.read(from: .zero, maxRecords: 10_000)
        let firstZoe = records.first { String(decoding: $0.value!, as: UTF8.self).contains(#""account":"Zoë""#) }!
        guard case let .cursorResolved(_, found, _) = only(session.perform(.search(topic: "payments", partition: 0, from: 0, query: "account=Zoë", forward: true))) else { return XCTFail() }
        XCTAssertEqual(found, firstZoe.offset.rawValue)
        guard case .failed = only(session.perform(.search(topic: "payments", partition: 0, from: 0, query: "nobody-at-all", forward: true))) else { return XCTFail() }

        guard case let .eventsLoaded(rows, _) = only(session.perform(.loadEvents(topic: "payments", partition: 0, around: 2000, count: 8, filter: "withdrawal-rejected"))) else { return XCTFail() }
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0.preview.contains("withdrawal-rejected") })

        guard case let .detailLoaded(lines) = only(session.perform(.loadDetail(topic: "payments", partition: 0, offset: firstZoe.offset.rawValue))) else { return XCTFail() }
        XCTAssertTrue(lines.contains(#"    "account": "Zoë","#))
        XCTAssertTrue(lines.contains { $0.contains("event-id = bank-") })
        let binaryOffset = try log.partition(TopicPartition(topic: "payments", partition: 1)).endOffset().rawValue - 1
        guard case let .detailLoaded(binary) = only(session.perform(.loadDetail(topic: "payments", partition: 1, offset: binaryOffset))) else { return XCTFail() }
        // Hex columns are 47 wide (16 bytes), then the ASCII column.
        XCTAssertTrue(binary.contains("  000000  " + "00 01 fe 41" + String(repeating: " ", count: 36) + "  ...A"), binary.joined(separator: "\n"))
        XCTAssertTrue(binary.contains("  ⟨2 bytes⟩ ff 00"))
    }

    /// A far jump syncs the view in slices (input stays live) and ends at the same state as a direct fold.
    func testViewSyncCatchesUpInSlices() throws {
        session.viewSliceEvents = 500
        session.catchUpSliceEvents = 500
        let partition = try log.partition(TopicPartition(topic: "payments", partition: 0))
        let target = try partition.endOffset().rawValue - 1
        var messages = session.perform(.syncView(name: "balances", topic: "payments", partition: 0, offset: target))
        var slices = 1
        while case let .viewLoaded(_, _, _, _, _, _, _, _, catchingUp) = only(messages), catchingUp {
            messages = session.perform(.continueViewSync)
            slices += 1
            XCTAssertLessThan(slices, 100)
        }
        XCTAssertGreaterThan(slices, 3)
        guard case let .viewLoaded(_, rows, _, _, _, _, _, _, _) = only(messages) else { return XCTFail() }
        let record = try partition.read(from: Offset(target), maxRecords: 1)[0]
        let direct = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
        try direct.run(to: .event(MergeKey(timestamp: record.timestamp.milliseconds, partition: 0, offset: target)))
        XCTAssertEqual(rows, direct.rows())
    }

    func testLineageRowsAddUp() throws {
        guard case let .lineageLoaded(key, rows) = only(session.perform(.loadLineage(name: "balances", topic: "payments", key: "BradA", partition: 0,
                                                                                     offset: try log.partition(TopicPartition(topic: "payments", partition: 0)).endOffset().rawValue - 1))) else { return XCTFail() }
        XCTAssertEqual(key, "BradA")
        XCTAssertGreaterThan(rows.count, 10)
        XCTAssertEqual(rows.last?.after, rows.dropFirst().reduce(rows.first!.after) { $1.before == $0 ? $1.after : "mismatch" })
    }

    func testAbortedTransactionRecordsAreMarkedInRowsAndDetail() throws {
        let partition = try TransactionFixture.write(into: directory.appending("capture"))
        let capture = try EventLog.open(partition, mode: .readOnly)
        defer { capture.close() }
        let reader = ExplorerSession(log: capture, snapshots: SnapshotStore(logDirectory: capture.directory, cacheRoot: directory.appending("cache2")),
                                     now: { Timestamp(milliseconds: 1_700_100_000_000) })
        guard case let .eventsLoaded(rows, _) = only(reader.perform(.loadEvents(topic: "payments", partition: 0, around: 0, count: 20, filter: nil))) else { return XCTFail() }
        XCTAssertEqual(rows.map { $0.preview.hasPrefix("⟨aborted⟩") }, [false, false, true, true, false, false, false, false, false])
        XCTAssertEqual(rows.map(\.isControl), [false, false, true, true, false, true, true, false, true])
        guard case let .detailLoaded(lines) = only(reader.perform(.loadDetail(topic: "payments", partition: 0, offset: 3))) else { return XCTFail() }
        XCTAssertTrue(lines.contains { $0.contains("ABORTED") })
        guard case let .detailLoaded(committed) = only(reader.perform(.loadDetail(topic: "payments", partition: 0, offset: 4))) else { return XCTFail() }
        XCTAssertFalse(committed.contains { $0.contains("ABORTED") })
    }

    /// The badge comes from a background check that starts only when the session is told to focus
    /// the topic (the tick after the first frame): "checking" until then and while it runs, then
    /// what `verify` found; a value edited behind the log's back (CRC fixed up) shows as broken at
    /// that batch, in the header too.
    func testIntegrityBadgesComeFromABackgroundChainCheck() throws {
        guard case let .topicsLoaded(first, _) = only(session.perform(.loadTopics)) else { return XCTFail() }
        XCTAssertEqual(first[0].partitions.map(\.integrity), [.checking, .checking])
        session.waitForBackgroundChecks()
        guard case let .topicsLoaded(unfocused, _) = only(session.perform(.loadTopics)) else { return XCTFail() }
        XCTAssertEqual(unfocused[0].partitions.map(\.integrity), [.checking, .checking], "no verify before the topic is focused")
        XCTAssertEqual(session.perform(.focusBackground(topic: "payments")), [])
        session.waitForBackgroundChecks()
        guard case let .topicsLoaded(checked, _) = only(session.perform(.loadTopics)) else { return XCTFail() }
        XCTAssertEqual(checked[0].partitions.map(\.integrity), [.verified, .verified])

        let partition = try log.partition(TopicPartition(topic: "payments", partition: 0))
        try partition.sync() // chain entries are written off the appending thread
        let segment = partition.segmentSnapshot()[0]
        let file = try SystemFile(path: segment.logPath, mode: .readWrite)
        var header = try file.read(at: 0, count: 12)
        header[7] ^= 0x02 // the base offset: outside Kafka's CRC, inside the chain
        try file.write(header, at: 0)
        file.close()
        let reader = try EventLog.open(log.directory, mode: .readOnly)
        defer { reader.close() }
        let tampered = IntegrityMonitor.check(try reader.partition(partition.topicPartition), in: reader)
        XCTAssertEqual(tampered, .broken(offset: segment.baseOffset ^ 0x02))
        var state = ExplorerState()
        state.topics = [ExplorerState.TopicEntry(name: "payments", retention: "forever", partitions: [
            ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 10, bytes: 1, firstTimestamp: nil, lastTimestamp: nil, integrity: tampered)])]
        let screen = Explorer.render(state, width: 100, height: 20)
        XCTAssertTrue(screen.text.contains("✗ BROKEN at offset \(segment.baseOffset ^ 0x02)"), screen.text)
    }

    /// A file the check can't read (here: gone since the log was opened) is not tampering.
    func testAnUnreadablePartitionIsNotCalledBroken() throws {
        let partition = try log.partition(TopicPartition(topic: "payments", partition: 0))
        try partition.sync()
        let reader = try EventLog.open(log.directory, mode: .readOnly)
        defer { reader.close() }
        let readerPartition = try reader.partition(partition.topicPartition)
        try FileSystem.rename(partition.segmentSnapshot()[0].logPath, to: partition.segmentSnapshot()[0].logPath + ".moved")
        let integrity = IntegrityMonitor.check(readerPartition, in: reader)
        guard case let .unreadable(reason) = integrity else { return XCTFail("\(integrity)") }
        XCTAssertTrue(reason.contains("cannot open"), reason)
        var state = ExplorerState()
        state.topics = [ExplorerState.TopicEntry(name: "payments", retention: "forever", partitions: [
            ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 10, bytes: 1, firstTimestamp: nil, lastTimestamp: nil, integrity: integrity)])]
        let screen = Explorer.render(state, width: 100, height: 20)
        XCTAssertTrue(screen.text.contains("! unreadable: cannot open"), screen.text)
        XCTAssertFalse(screen.text.contains("BROKEN"), screen.text)
    }
}

/// A captured broker dir with a topic of many partitions: the first frame reads only the first
/// partition; the rest load when the topic is focused, in the background, and join the timeline.
final class LazyPartitionsSessionTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func tearDown() { directory.remove() }

    func testManyPartitionsLoadAfterTheFirstFrameAndJoinTheTimeline() throws {
        directory = try TemporaryDirectory()
        let path = directory.appending("broker")
        let writer = try EventLog.open(path, mode: .readWrite, create: true)
        try writer.createTopic("orders", config: TopicConfig(partitions: 12))
        for partition in Int32(0)..<12 {
            let records = (0..<50).map { n in
                ProducerRecord(key: Array("k\(n)".utf8), value: Array("{\"n\":\(n)}".utf8), timestamp: Timestamp(milliseconds: 1_700_000_000_000 + Int64(n) * 1000))
            }
            _ = try writer.append(records, to: "orders", partition: partition)
        }
        writer.close()
        let log = try EventLog.open(path, mode: .readOnly)
        defer { log.close() }
        let session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: path, cacheRoot: directory.appending("cache")),
                                      now: { Timestamp(milliseconds: 1_700_100_000_000) })
        guard case let .topicsLoaded(first, _) = session.perform(.loadTopics).first else { return XCTFail() }
        XCTAssertEqual(first[0].partitions.map(\.isLoaded), [true] + Array(repeating: false, count: 11))
        XCTAssertEqual(first[0].events, 50, "only partition 0 counted before the background load")
        guard case let .timelineLoaded(partial, _, _) = session.perform(.loadTimeline(topic: "orders", buckets: 10)).first else { return XCTFail() }
        XCTAssertEqual(partial.reduce(0, +), 50)

        _ = session.perform(.focusBackground(topic: "orders"))
        session.waitForBackgroundChecks()
        guard case let .topicsLoaded(loaded, _) = session.perform(.loadTopics).first else { return XCTFail() }
        XCTAssertEqual(loaded[0].partitions.map(\.isLoaded), Array(repeating: true, count: 12))
        XCTAssertEqual(loaded[0].events, 600)
        XCTAssertEqual(Set(loaded[0].partitions.map(\.integrity)), [.verified])
        guard case let .timelineLoaded(full, _, _) = session.perform(.loadTimeline(topic: "orders", buckets: 10)).first else { return XCTFail() }
        XCTAssertEqual(full.reduce(0, +), 600)
    }

    /// A broker dir where one partition dir holds no segment: the topics pane still lists both
    /// topics, the unreadable partition as not loaded, and the other topic's events read.
    func testAnUnreadablePartitionDirLeavesTheRestOfTheCaptureReadable() throws {
        directory = try TemporaryDirectory()
        let path = directory.appending("broker")
        let writer = try EventLog.open(path, mode: .readWrite, create: true)
        try writer.createTopic("orders", config: TopicConfig(partitions: 2))
        _ = try writer.append([ProducerRecord(value: Array("o".utf8), timestamp: Timestamp(milliseconds: 1_700_000_000_000))], to: "orders", partition: 0)
        writer.close()
        try FileSystem.remove(path + "/rewind.json")
        try FileSystem.createDirectory(path + "/audit-0")
        let log = try EventLog.open(path, mode: .readOnly)
        defer { log.close() }
        let session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: path, cacheRoot: directory.appending("cache")),
                                      now: { Timestamp(milliseconds: 1_700_100_000_000) })
        guard case let .topicsLoaded(topics, _) = session.perform(.loadTopics).first else { return XCTFail() }
        XCTAssertEqual(topics.map(\.name), ["audit", "orders"])
        XCTAssertEqual(topics.map { $0.partitions.map(\.isLoaded) }, [[false], [true, true]])
        guard case let .eventsLoaded(rows, _) = session.perform(.loadEvents(topic: "orders", partition: 0, around: 0, count: 5, filter: nil)).first else { return XCTFail() }
        XCTAssertEqual(rows.map(\.offset), [0])
    }
}

extension Int64 {
    func clamped(to lower: Int64, _ upper: Int64) -> Int64 { Swift.max(lower, Swift.min(self, upper)) }
}
