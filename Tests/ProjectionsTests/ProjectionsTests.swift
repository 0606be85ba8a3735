import Glibc
import EventLog
import Foundation
@testable import Projections
import Scenarios
import TestSupport
import XCTest

/// A bank event for tests: type, account, amount, id; timestamps chosen by the test.
func bankEvent(_ type: String, _ account: String, _ amount: Int, id: String, at time: Int64) -> ProducerRecord {
    ProducerRecord(key: Array(account.utf8), value: Array(#"{"type":"\#(type)","account":"\#(account)","amount":\#(amount)}"#.utf8),
                   headers: [Header(key: "event-id", value: Array(id.utf8))], timestamp: Timestamp(milliseconds: time))
}

final class ProjectionsTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// Random bank stream over 3 partitions; `ordered` keeps each partition's timestamps increasing.
    func makeLog(_ random: inout SeededRandom, events: Int, ordered: Bool, duplicates: Bool = true) throws -> (EventLog, [ProducerRecord]) {
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        try log.createTopic("payments", config: TopicConfig(partitions: 3, segmentBytes: 16 << 10))
        let accounts = ["BradA", "CarolM", "EveL", "Zoë", "DanK"]
        var produced: [ProducerRecord] = []
        var time: Int64 = 1_000_000
        for n in 0..<events {
            time += Int64.random(in: 1...500, using: &random)
            let jitter = ordered ? 0 : Int64.random(in: -2000...2000, using: &random)
            if duplicates, n > 10, Int.random(in: 0..<25, using: &random) == 0 {
                var again = produced[produced.count - Int.random(in: 1...10, using: &random)]
                again.timestamp = Timestamp(milliseconds: time)
                produced.append(again)
            } else {
                let type = ["deposit", "deposit", "withdrawal", "withdrawal-rejected", "other"][Int.random(in: 0..<5, using: &random)]
                produced.append(bankEvent(type, accounts.randomElement(using: &random)!, Int.random(in: 1...500, using: &random), id: "e\(n)", at: time + jitter))
            }
        }
        for chunk in stride(from: 0, to: produced.count, by: 37) {
            _ = try log.append(Array(produced[chunk..<min(chunk + 37, produced.count)]), to: "payments")
        }
        return (log, produced)
    }

    /// The straightforward reference: apply each distinct event-id once.
    func referenceBalances(_ records: [ProducerRecord]) -> [String: Double] {
        var seen = Set<[UInt8]>()
        var balances: [String: Double] = [:]
        for record in records {
            guard seen.insert(record.headers[0].value!).inserted else { continue }
            let object = try! JSONSerialization.jsonObject(with: Data(record.value!)) as! [String: Any]
            let account = object["account"] as! String, amount = Double(object["amount"] as! Int)
            switch object["type"] as! String {
            case "deposit": balances[account, default: 0] += amount
            case "withdrawal": balances[account, default: 0] -= amount
            case "withdrawal-rejected": balances[account, default: 0] += 0
            default: break
            }
        }
        return balances
    }

    func testBalancesEqualReferenceFoldProperty() throws {
        var random = SeededRandom.fromEnvironment()
        for trial in 0..<5 {
            let (log, records) = try makeLog(&random, events: 600 + trial * 200, ordered: trial % 2 == 0)
            let runner = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
            try runner.run()
            XCTAssertEqual(runner.state.mapValues(\.balance), referenceBalances(records), "trial \(trial)")
            let duplicates = records.count - Set(records.map { $0.headers[0].value! }).count
            XCTAssertEqual(runner.progress.duplicatesSkipped, Int64(duplicates))
            XCTAssertEqual(runner.progress.eventsApplied, Int64(records.count - duplicates))
            // The same view as a spec gives the same numbers.
            let spec = try ViewRunner(log: log, topic: "payments", projection: SpecProjection(parsing:
                #"sum(amount) by account where type = "deposit" or type = "withdrawal" negate when type = "withdrawal""#), snapshots: nil)
            try spec.run()
            for (account, balance) in referenceBalances(records) where balance != 0 {
                XCTAssertEqual(spec.row(account)?.values.first?.number ?? 0, balance, accuracy: 1e-9, account)
            }
            log.close()
            directory.remove()
            directory = try TemporaryDirectory()
        }
    }

    /// With per-partition increasing timestamps, the view as of T equals folding the events at or
    /// before T; and snapshot + replay equals a full replay at random events and times, in any order.
    func testTimeTravelAndSnapshotReplayProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let (log, records) = try makeLog(&random, events: 3000, ordered: true)
        defer { log.close() }
        let store = SnapshotStore(logDirectory: log.directory, cacheRoot: directory.appending("cache"))
        let fast = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: store, snapshotEveryEvents: 250)
        try fast.run() // lays down snapshots
        XCTAssertGreaterThan(try FileSystem.listDirectory(store.directory + "/balances/payments").count, 8)
        let times = records.map(\.timestamp.milliseconds)
        for _ in 0..<60 {
            let target = Int64.random(in: (times.min()! - 10)...(times.max()! + 10), using: &random)
            try fast.rewind(to: .time(Timestamp(milliseconds: target)))
            let slow = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
            try slow.run(to: .time(Timestamp(milliseconds: target)))
            XCTAssertEqual(fast.state, slow.state, "T=\(target)")
            XCTAssertEqual(fast.progress.eventsApplied, slow.progress.eventsApplied)
            XCTAssertEqual(fast.state.mapValues(\.balance).filter { $0.value != 0 },
                           referenceBalances(records.filter { $0.timestamp.milliseconds <= target }).filter { $0.value != 0 }, "T=\(target)")
        }
        // Targets given as events, with out-of-order rewinds (backwards and forwards).
        let all = try log.partitions(of: "payments").flatMap { partition in
            try partition.read(from: .zero, maxRecords: 10_000).map { MergeKey(timestamp: $0.timestamp.milliseconds, partition: partition.topicPartition.partition, offset: $0.offset.rawValue) }
        }
        for _ in 0..<40 {
            let key = all.randomElement(using: &random)!
            try fast.rewind(to: .event(key))
            let slow = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
            try slow.run(to: .event(key))
            XCTAssertEqual(fast.state, slow.state, "event \(key)")
        }
    }

    /// Snapshots read back from disk by a fresh store (nothing remembered in memory) restore the
    /// dedupe window exactly: a duplicate just after the snapshot is still skipped.
    func testSnapshotsReadFromDiskRestoreTheDedupeWindow() throws {
        var random = SeededRandom.fromEnvironment()
        let (log, records) = try makeLog(&random, events: 2000, ordered: true)
        defer { log.close() }
        let cache = directory.appending("cache")
        try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: cache), snapshotEveryEvents: 100).run()
        let files = try FileSystem.listDirectory(cache).flatMap { try FileSystem.listDirectory(cache + "/" + $0 + "/views/balances/payments").map { [cache, $0].joined(separator: "/") } }
        XCTAssertGreaterThan(files.count, 10)
        let times = records.map(\.timestamp.milliseconds)
        for _ in 0..<30 {
            let target = Int64.random(in: times.min()!...times.max()!, using: &random)
            let restored = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: cache))
            try restored.rewind(to: .time(Timestamp(milliseconds: target)))
            let slow = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
            try slow.run(to: .time(Timestamp(milliseconds: target)))
            XCTAssertEqual(restored.state, slow.state, "T=\(target)")
            XCTAssertEqual(restored.progress.duplicatesSkipped, slow.progress.duplicatesSkipped, "T=\(target)")
        }
    }

    /// The dedupe window is written packed; a snapshot written as a JSON array before still reads.
    func testSnapshotDedupeWindowEncodings() throws {
        var random = SeededRandom.fromEnvironment()
        let ids = (0..<500).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) }
        let header = SnapshotHeader(view: "balances", topic: "payments", lastEvent: MergeKey(timestamp: 5, partition: 0, offset: 7), maxEventSoFar: MergeKey(timestamp: 5, partition: 0, offset: 7),
                                    eventsApplied: 8, duplicatesSkipped: 0, positions: [0: 8], gaps: [])
        let snapshot = ViewSnapshot(header: header, recentEventIDs: ids, state: ["BradA": 12], deduplicator: nil)
        let packed = try JSONEncoder().encode(snapshot)
        XCTAssertFalse(String(decoding: packed, as: UTF8.self).contains("\"recentEventIDs\""))
        XCTAssertEqual(try JSONDecoder().decode(ViewSnapshot<[String: Int]>.self, from: packed).recentEventIDs, ids)
        let headerJSON = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
        let older = #"{"header":\#(headerJSON),"recentEventIDs":[\#(ids.map(String.init).joined(separator: ","))],"state":{"BradA":12}}"#
        let decoded = try JSONDecoder().decode(ViewSnapshot<[String: Int]>.self, from: Data(older.utf8))
        XCTAssertEqual(decoded.recentEventIDs, ids)
        XCTAssertEqual(decoded.state, ["BradA": 12])
        XCTAssertThrowsError(try JSONDecoder().decode(ViewSnapshot<[String: Int]>.self, from: Data(#"{"header":\#(headerJSON),"recentEventIDsBase64":"AAA=","state":{}}"#.utf8)))
    }

    /// Out-of-order timestamps: snapshot + replay still equals a full replay for any target.
    func testSnapshotReplayWithOutOfOrderTimestamps() throws {
        var random = SeededRandom.fromEnvironment()
        let (log, records) = try makeLog(&random, events: 2000, ordered: false)
        defer { log.close() }
        let store = SnapshotStore(logDirectory: log.directory, cacheRoot: directory.appending("cache"))
        let fast = try ViewRunner(log: log, topic: "payments", projection: RatingsProjection(), snapshots: store, snapshotEveryEvents: 100)
        let counting = try ViewRunner(log: log, topic: "payments", projection: SpecProjection(parsing: "count by account"), snapshots: store, snapshotEveryEvents: 100)
        try fast.run()
        try counting.run()
        for _ in 0..<40 {
            let target = Timestamp(milliseconds: records.randomElement(using: &random)!.timestamp.milliseconds)
            try counting.rewind(to: .time(target))
            let slow = try ViewRunner(log: log, topic: "payments", projection: SpecProjection(parsing: "count by account"), snapshots: nil)
            try slow.run(to: .time(target))
            XCTAssertEqual(counting.state, slow.state, "T=\(target)")
        }
    }

    /// Lineage of a row lists exactly the events that changed it, and their deltas add up to its value.
    func testLineageDeltasSumToTheValue() throws {
        var random = SeededRandom.fromEnvironment()
        let (log, records) = try makeLog(&random, events: 800, ordered: true)
        defer { log.close() }
        let runner = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
        try runner.run()
        for (account, state) in runner.state.dictionary {
            let lineage = try runner.lineage(of: account)
            let applied = lineage.filter { !$0.duplicate }
            XCTAssertEqual(applied.reduce(0) { $0 + ($1.delta ?? 0) }, state.balance, accuracy: 1e-9, account)
            XCTAssertEqual(Int64(applied.count), state.deposits + state.withdrawals + state.rejected, account)
            XCTAssertTrue(applied.allSatisfy { $0.value.contains(account) && $0.headers.first?.key == "event-id" })
            for pair in zip(applied, applied.dropFirst()) { XCTAssertEqual(pair.0.after, pair.1.before) }
            let duplicates = records.filter { $0.key == Array(account.utf8) }.count - Set(records.filter { $0.key == Array(account.utf8) }.map { $0.headers[0].value! }).count
            XCTAssertEqual(lineage.filter(\.duplicate).count, duplicates, account)
        }
    }

    func testGapsFromRetentionAreReported() throws {
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1, retentionMs: 1000, segmentBytes: 4096))
        for n in 0..<30 {
            _ = try log.append([bankEvent("deposit", "A", 1, id: "x\(n)", at: Int64(n) * 100) ], to: "t")
            _ = try log.append([ProducerRecord(value: [UInt8](repeating: 32, count: 600), timestamp: Timestamp(milliseconds: Int64(n) * 100))], to: "t")
        }
        _ = try log.enforceRetention(now: Timestamp(milliseconds: 3000))
        let start = try log.partition(TopicPartition(topic: "t", partition: 0)).startOffset
        XCTAssertGreaterThan(start, .zero)
        let runner = try ViewRunner(log: log, topic: "t", projection: BalancesProjection(), snapshots: nil)
        try runner.run()
        XCTAssertEqual(runner.progress.gaps, [OffsetGap(partition: 0, from: 0, to: start.rawValue)])
    }

    /// Views read committed data: the records of an aborted transaction are skipped — matched by
    /// producer, since another producer's committed batch sits inside the aborted span — and
    /// neither they nor the markers count as gaps.
    func testAbortedTransactionsAreSkippedByViews() throws {
        let partition = try TransactionFixture.write(into: directory.path)
        let log = try EventLog.open(partition, mode: .readOnly)
        defer { log.close() }
        let target = try log.partition(TopicPartition(topic: "payments", partition: 0))
        XCTAssertEqual(try target.abortedTransactions().ranges, [AbortedTransactions.Range(producerId: 7, firstOffset: 2, lastOffset: 4)])
        let runner = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
        try runner.run()
        XCTAssertEqual(runner.state.mapValues(\.balance), ["A": 21, "B": 5])
        XCTAssertEqual(runner.progress.gaps, [])
        let spec = try ViewRunner(log: log, topic: "payments", projection: try SpecProjection(parsing: "count by account"), snapshots: nil)
        try spec.run()
        XCTAssertEqual(spec.rows().map { $0.values.first?.number ?? -1 }, [3, 1])
    }

    func testSpecParserReportsColumns() {
        let cases: [(String, Int, String)] = [
            ("sum(amount by account", 12, "expected `)`"),
            ("total(amount)", 1, "unknown aggregate"),
            ("count by", 9, "expected a field"),
            (#"count where type = deposit"#, 20, "quote text values"),
            (#"count where type == "x""#, 19, "expected a value"),
            (#"sum(amount) where note = "open"#, 26, "never closed"),
            (#"count negate when type = "w""#, 7, "sum and avg only"),
            ("count by account extra", 18, "unexpected"),
            ("avg(", 5, "expected a field"),
            ("count where $bogus exists", 13, "unknown event field"),
        ]
        for (text, column, message) in cases {
            XCTAssertThrowsError(try ViewSpec.parse(text), text) { error in
                let failure = error as! ViewSpecError
                XCTAssertEqual(failure.column, column, "\(text): \(failure)")
                XCTAssertTrue(failure.message.contains(message), "\(text): \(failure.message)")
            }
        }
        let spec = try! ViewSpec.parse(#"avg(payment.amount) by $header.source where not (type = "x" or amount < 5) and note exists negate when kind ~ 'Refund'"#)
        XCTAssertEqual(spec.function, .avg)
        XCTAssertEqual(spec.field, .json(["payment", "amount"]))
        XCTAssertEqual(spec.group, .header("source"))
        XCTAssertEqual(spec.negateWhen, .compare(.json(["kind"]), .contains, .text("Refund")))
    }

    func testGeneratorsAreDeterministicAndRealistic() {
        var first = BankGenerator(seed: 7, accounts: 300, start: Timestamp(milliseconds: 0), spanMs: 3 * 86_400_000, events: 20_000)
        var second = BankGenerator(seed: 7, accounts: 300, start: Timestamp(milliseconds: 0), spanMs: 3 * 86_400_000, events: 20_000)
        let events = first.generate(20_000)
        XCTAssertEqual(events, second.generate(20_000))
        let values = events.map { String(decoding: $0.value!, as: UTF8.self) }
        XCTAssertGreaterThan(values.filter { $0.contains("withdrawal-rejected") }.count, 20)
        let ids = events.map { $0.headers[0].value! }
        XCTAssertGreaterThan(ids.count - Set(ids).count, 40) // duplicate deliveries
        XCTAssertGreaterThan(Set(events.map(\.key!)).count, 150) // many accounts are active…
        let counts = Dictionary(grouping: events, by: { $0.key! }).mapValues(\.count).values.sorted()
        XCTAssertGreaterThan(counts.last!, 20 * counts[counts.count / 2]) // …but activity is skewed
        XCTAssertGreaterThan(events.last!.timestamp.milliseconds, 2 * 86_400_000) // spread over days
    }

    /// CQRS: the write side validates on fresh state; the read side lags until it catches up.
    func testBankCommandsAndEventualConsistency() throws {
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("payments", config: TopicConfig(partitions: 2))
        let bank = try BankService(log: log, topic: "payments")
        guard case .accepted = try bank.handle(.deposit(account: "BradA", amount: 100), at: Timestamp(milliseconds: 1)) else { return XCTFail() }
        XCTAssertEqual(try bank.queryBalance("BradA").balance, 0) // the query side has not seen it yet
        XCTAssertEqual(try bank.queryBalance("BradA").lag, 1)
        // The write side already sees it: a withdrawal of 80 is accepted, 30 more is not.
        guard case .accepted = try bank.handle(.withdraw(account: "BradA", amount: 80), at: Timestamp(milliseconds: 2)) else { return XCTFail() }
        guard case let .rejected(reason, _, _) = try bank.handle(.withdraw(account: "BradA", amount: 30), at: Timestamp(milliseconds: 3)) else { return XCTFail() }
        XCTAssertTrue(reason.contains("balance 20"))
        XCTAssertEqual(try bank.refreshQueries(), 3)
        XCTAssertEqual(try bank.queryBalance("BradA").balance, 20)
        XCTAssertEqual(try bank.queryBalance("BradA").lag, 0)
        XCTAssertEqual(bank.queries.state["BradA"]?.rejected, 1)
    }

    /// The pipeline after a crash between publishing and committing publishes nothing twice.
    func testPipelineIsRestartSafe() throws {
        func prepare(_ path: String) throws -> EventLog {
            let log = try EventLog.open(path, mode: .readWrite, create: true)
            try log.createTopic("payments", config: TopicConfig(partitions: 3))
            try log.createTopic("payments-flagged", config: TopicConfig(partitions: 1))
            var generator = BankGenerator(seed: 3, accounts: 20, start: Timestamp(milliseconds: 0), spanMs: 3_600_000, events: 3000)
            _ = try log.append(generator.generate(3000), to: "payments")
            return log
        }
        let clean = try prepare(directory.appending("clean"))
        defer { clean.close() }
        let expected = try FraudPipeline(log: clean).run()
        XCTAssertGreaterThan(expected.published, 5)

        let crashed = try prepare(directory.appending("crashed"))
        defer { crashed.close() }
        let first = try FraudPipeline(log: crashed).run(commitEvery: 50, stopAfterPublishing: expected.published / 2)
        XCTAssertEqual(first.published, expected.published / 2)
        let second = try FraudPipeline(log: crashed).run(commitEvery: 50)
        XCTAssertGreaterThan(second.alreadyPublished, 0) // it re-read events whose flags were out before the crash
        let flagged = try crashed.partition(TopicPartition(topic: "payments-flagged", partition: 0)).read(from: .zero, maxRecords: 100_000)
        let cleanFlagged = try clean.partition(TopicPartition(topic: "payments-flagged", partition: 0)).read(from: .zero, maxRecords: 100_000)
        XCTAssertEqual(flagged.count, expected.published)
        XCTAssertEqual(Set(flagged.map(\.value)), Set(cleanFlagged.map(\.value)))
        XCTAssertEqual(Set(flagged.map { $0.headers[0].value! }).count, flagged.count)
        // A third run finds nothing new.
        XCTAssertEqual(try FraudPipeline(log: crashed).run().published, 0)
    }
}

final class SnapshotCacheLocationTests: XCTestCase {
    /// Snapshots never go inside the log, and not beside it when that folder is read-only by its
    /// mode bits (root ignores permissions, so the bits are checked too).
    func testCacheRootRespectsReadOnlyFolders() throws {
        let directory = try TemporaryDirectory()
        defer {
            chmod(directory.path, 0o755)
            directory.remove()
        }
        let log = directory.appending("capture")
        try FileSystem.createDirectory(log)
        XCTAssertEqual(SnapshotStore.defaultCacheRoot(for: log), directory.path + "/.rewind-cache")
        XCTAssertFalse(SnapshotStore(logDirectory: log).directory.hasPrefix(log + "/"))
        chmod(directory.path, 0o555)
        XCTAssertFalse(SnapshotStore.defaultCacheRoot(for: log).hasPrefix(directory.path))
    }
}
