import EventLog
import Foundation
@testable import Projections
import TestSupport
import XCTest

/// Several aggregates in one spec, and `latest(*) by key` as the table view.
final class SpecAggregatesTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// A multi-aggregate spec gives, per group, what each one-aggregate spec gives alone and what
    /// a reference fold over the decoded events computes.
    func testMultipleAggregatesEqualTheirSingleSpecsProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("payments", config: TopicConfig(partitions: 2))
        var records: [ProducerRecord] = []
        for n in 0..<1200 {
            let account = ["A", "B", "C", "D"][Int.random(in: 0..<4, using: &random)]
            let type = ["deposit", "withdrawal", "fee"][Int.random(in: 0..<3, using: &random)]
            let amount = Int.random(in: 1...900, using: &random)
            // Some events lack the amount: count counts them, sum/max skip them.
            let body = Int.random(in: 0..<10, using: &random) == 0 ? "" : #","amount":\#(amount)"#
            records.append(ProducerRecord(key: Array(account.utf8), value: Array(#"{"type":"\#(type)","account":"\#(account)"\#(body)}"#.utf8),
                                          timestamp: Timestamp(milliseconds: 5_000 + Int64(n))))
        }
        _ = try log.append(records, to: "payments")
        let text = #"sum(amount), count, max(amount), avg(amount), distinct(type) by account where type != "fee" negate when type = "withdrawal""#
        let multi = try ViewRunner(log: log, topic: "payments", projection: SpecProjection(parsing: text), snapshots: nil)
        try multi.run()
        XCTAssertEqual(multi.columns, ["account", "sum(amount)", "count", "max(amount)", "avg(amount)", "distinct(type)", "events"])
        var sums: [String: Double] = [:], counts: [String: Int64] = [:], maxima: [String: Double] = [:], amounts: [String: [Double]] = [:]
        for record in records {
            let object = try JSONSerialization.jsonObject(with: Data(record.value!)) as! [String: Any]
            let account = object["account"] as! String, type = object["type"] as! String
            guard type != "fee" else { continue }
            counts[account, default: 0] += 1
            guard let amount = (object["amount"] as? Int).map(Double.init) else { continue }
            sums[account, default: 0] += type == "withdrawal" ? -amount : amount
            maxima[account] = max(maxima[account] ?? amount, amount)
            amounts[account, default: []].append(type == "withdrawal" ? -amount : amount)
        }
        XCTAssertEqual(multi.rows().map(\.key), counts.keys.sorted())
        for row in multi.rows() {
            XCTAssertEqual(row.values[0].number!, sums[row.key]!, accuracy: 1e-9, row.key)
            XCTAssertEqual(row.values[1], .int(counts[row.key]!), row.key)
            XCTAssertEqual(row.values[2].number, maxima[row.key], row.key)
            XCTAssertEqual(row.values[3].number!, amounts[row.key]!.reduce(0, +) / Double(amounts[row.key]!.count), accuracy: 1e-9, row.key)
            XCTAssertEqual(row.values[4], .int(2), row.key)
            XCTAssertEqual(row.values[5], .int(counts[row.key]!), row.key)
        }
        // Each column equals its one-aggregate spec.
        let singles = [#"sum(amount) by account where type != "fee" negate when type = "withdrawal""#,
                       #"count by account where type != "fee""#, #"max(amount) by account where type != "fee""#]
        for (index, single) in singles.enumerated() {
            let alone = try ViewRunner(log: log, topic: "payments", projection: SpecProjection(parsing: single), snapshots: nil)
            try alone.run()
            for row in multi.rows() { XCTAssertEqual(alone.row(row.key)?.values.first, row.values[index], "\(single) \(row.key)") }
        }
    }

    func testLatestStarByKeyIsTheTableView() throws {
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("users", config: TopicConfig(partitions: 1))
        _ = try log.append([
            ProducerRecord(key: Array("u1".utf8), value: Array(#"{"name":"Ann"}"#.utf8), timestamp: Timestamp(milliseconds: 1)),
            ProducerRecord(key: Array("u2".utf8), value: Array(#"{"name":"Bob"}"#.utf8), timestamp: Timestamp(milliseconds: 2)),
            ProducerRecord(key: Array("u1".utf8), value: nil, timestamp: Timestamp(milliseconds: 3)),
        ], to: "users")
        let spec = try ViewCatalog.open("LATEST(*) by key", log: log, topic: "users", snapshots: nil)
        let table = try ViewCatalog.open("table", log: log, topic: "users", snapshots: nil)
        try spec.run(to: .end, maxEvents: .max)
        try table.run(to: .end, maxEvents: .max)
        XCTAssertEqual(spec.viewID, "table")
        XCTAssertEqual(spec.rows(), table.rows())
        XCTAssertEqual(spec.rows(), [ViewRow(key: "u2", values: [.text("Bob")])])
    }

    func testMultiAggregateErrorsNameTheColumn() {
        let cases: [(String, Int, String)] = [
            ("sum(amount), by account", 14, "unknown aggregate `by`"),
            ("sum(amount), count,", 20, "expected an aggregate"),
            ("sum(amount) count", 13, "expected `,`, `by`"),
            ("sum(amount), max(*)", 18, "only `latest(*) by key`"),
            ("latest(*) by account", 14, "write `latest(*) by key`"),
            (#"latest(*) by key where a = 1"#, 18, "takes no `where`"),
            ("count, max(amount), latest(note) negate when x = 1", 34, "sum and avg only"),
            ((0...ProjectionLimits.specAggregatesMax).map { _ in "count" }.joined(separator: ", "), 7 * ProjectionLimits.specAggregatesMax + 1, "more than 16 aggregates"),
        ]
        for (text, column, message) in cases {
            XCTAssertThrowsError(try ViewSpec.parse(text), text) { error in
                let failure = error as! ViewSpecError
                XCTAssertEqual(failure.column, column, "\(text): \(failure)")
                XCTAssertTrue(failure.message.contains(message), "\(text): \(failure.message)")
            }
        }
        XCTAssertEqual(try ViewSpec.parse("sum(amount), count, max(amount) by account").aggregates.map(\.description), ["sum(amount)", "count", "max(amount)"])
    }
}
