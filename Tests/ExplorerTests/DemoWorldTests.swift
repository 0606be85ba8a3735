import EventLog
import Projections
import Scenarios
import TestSupport
import XCTest

/// What the demo stages for its lessons, on a real log: the numbers the lesson boxes tell come
/// from here, so each is checked against an independent fold or a clean run.
final class DemoWorldTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func bankLog(_ name: String, events: Int, seed: UInt64 = 7) throws -> EventLog {
        let log = try EventLog.open(directory.appending(name), mode: .readWrite, create: true)
        try log.createTopic("payments", config: TopicConfig(partitions: 3))
        try log.createTopic(DemoWorld.flaggedTopic, config: TopicConfig(partitions: 1))
        var generator = BankGenerator(seed: seed, accounts: 25, start: Timestamp(milliseconds: 1_700_000_000_000), spanMs: 3_600_000, events: events)
        _ = try log.append(generator.generate(events), to: "payments")
        return log
    }

    func world(_ log: EventLog, topic: String = "payments") -> DemoWorld {
        DemoWorld(log: log, topic: topic, clock: { Timestamp(milliseconds: 1_700_003_600_000) })
    }

    func ends(_ log: EventLog, _ topic: String) throws -> [Int64] { try log.partitions(of: topic).map { try $0.endOffset().rawValue } }

    func testRestartResumesFromTheCommitAndPublishesNothingTwice() throws {
        let log = try bankLog("restarted", events: 1200)
        defer { log.close() }
        let demo = world(log)
        demo.runPipeline()
        let stopped = try demo.stopPipeline()
        var generator = BankGenerator(seed: 99, accounts: 25, start: Timestamp(milliseconds: 1_700_003_600_000), spanMs: 600_000, events: 700)
        _ = try log.append(generator.generate(700), to: "payments")
        demo.runPipeline()
        let stillStopped = try log.groups.committed(FraudPipeline.group).values.reduce(0) { $0 + $1.rawValue }
        XCTAssertEqual(String(stillStopped), stopped["stoppedAt"], "a stopped flagger does not run")

        let facts = try demo.restartPipeline()
        XCTAssertEqual(facts["resumedFrom"], stopped["stoppedAt"])
        XCTAssertEqual(facts["processed"], "700", "it read exactly what piled up")
        XCTAssertEqual(facts["unaccounted"], "0")
        XCTAssertEqual(facts["committedAfter"], String(try ends(log, "payments").reduce(0, +)))
        XCTAssertEqual(facts["flagsTotal"], facts["flagsDistinct"])

        // The same events flagged by one flagger that never stopped.
        let clean = try bankLog("clean", events: 1200)
        defer { clean.close() }
        var again = BankGenerator(seed: 99, accounts: 25, start: Timestamp(milliseconds: 1_700_003_600_000), spanMs: 600_000, events: 700)
        _ = try clean.append(again.generate(700), to: "payments")
        let once = try FraudPipeline(log: clean).run()
        XCTAssertGreaterThan(once.published, 0)
        XCTAssertEqual(facts["flagsTotal"], String(once.published), "stopping and restarting flags the same events as never stopping")
    }

    func testRateItemIsValidatedBeforeItBecomesAnEvent() throws {
        let log = try EventLog.open(directory.appending("ratings"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("ratings", config: TopicConfig(partitions: 3))
        var generator = RatingsGenerator(seed: 5, start: Timestamp(milliseconds: 1_700_000_000_000), spanMs: 3_600_000, events: 300)
        _ = try log.append(generator.generate(300), to: "ratings")
        let service = try RatingsService(log: log, topic: "ratings")
        let before = try ends(log, "ratings")
        for bad in [RatingsService.RateItem(item: "learner-mug", user: "u1", stars: 0), RatingsService.RateItem(item: "learner-mug", user: "u1", stars: 6),
                    RatingsService.RateItem(item: "teapot", user: "u1", stars: 3), RatingsService.RateItem(item: "moka-pot", user: "", stars: 3)] {
            guard case .rejected = try service.handle(bad, at: Timestamp(milliseconds: 1_700_003_600_000)) else { return XCTFail("\(bad) was accepted") }
        }
        XCTAssertEqual(try ends(log, "ratings"), before, "a rejected command appends nothing")

        let facts = try world(log, topic: "ratings").rateItem()
        XCTAssertEqual(facts["commandKey"], RatingsService.learnerItem)
        XCTAssertEqual(facts["commandExpected"], "1")
        XCTAssertEqual(facts["average"], "4")
        let partition = try XCTUnwrap(facts["commandPartition"].flatMap { Int32($0) })
        let offset = try XCTUnwrap(facts["commandOffset"].flatMap { Int64($0) })
        let event = try XCTUnwrap(log.partition(TopicPartition(topic: "ratings", partition: partition)).read(from: Offset(offset), maxRecords: 1).first)
        XCTAssertEqual(event.key.map { String(decoding: $0, as: UTF8.self) }, RatingsService.learnerItem)
        XCTAssertNil(service.queryItem(RatingsService.learnerItem), "the read side has not folded it yet: eventual consistency")
        try service.refreshQueries()
        XCTAssertEqual(service.queryItem(RatingsService.learnerItem)?.values.first, .int(1))
    }

    func testCompactedCopyKeepsTheTableAndBreaksTheBalances() throws {
        let log = try bankLog("compacted", events: 2000)
        defer { log.close() }
        let demo = world(log)
        let facts = try demo.compactCopy()
        XCTAssertEqual(try demo.compactCopy(), facts, "written once: a second staging tells the same copy")
        XCTAssertEqual(facts["read"], "2000")
        let kept = try XCTUnwrap(facts["kept"].flatMap { Int($0) })
        XCTAssertEqual(facts["dropped"], String(2000 - kept))

        func fold(_ name: String, _ topic: String) throws -> MaterializedView {
            let view = try ViewCatalog.open(name, log: log, topic: topic, snapshots: nil)
            try view.run(to: .end, maxEvents: .max)
            return view
        }
        // A row's fields by name; a field the row lacks is "-" where another key's events have it,
        // and not a column at all when no kept event has it: both mean absent.
        func cells(_ view: MaterializedView) -> [String: [String: ViewValue]] {
            Dictionary(uniqueKeysWithValues: view.rows().map { row in
                (row.key, Dictionary(uniqueKeysWithValues: zip(view.columns.dropFirst(), row.values).filter { $0.1 != .null }.map { ($0, $1) }))
            })
        }
        let table = try fold("table", demo.compactedTopic)
        XCTAssertEqual(table.rows().count, kept, "one event per key")
        XCTAssertEqual(cells(table), cells(try fold("table", "payments")), "the table over the copy is the table over the topic")

        // Offsets are kept: each copied event is the source's event at the same offset.
        for partition in try log.partitions(of: demo.compactedTopic) {
            let source = try log.partition(TopicPartition(topic: "payments", partition: partition.topicPartition.partition))
            for record in try partition.read(from: .zero, maxRecords: 10_000) {
                let original = try XCTUnwrap(source.read(from: record.offset, maxRecords: 1).first)
                XCTAssertEqual(original.offset, record.offset)
                XCTAssertEqual(original.value, record.value)
            }
        }

        let key = try XCTUnwrap(facts["compactKey"])
        let balances = try fold("balances", "payments")
        XCTAssertEqual(facts["originalBalance"], balances.row(key)?.values.first?.description)
        XCTAssertNotEqual(try fold("balances", demo.compactedTopic).row(key)?.values.first, balances.row(key)?.values.first,
                          "a fold of every event is wrong over the latest of each key")
    }
}
