import EventLog
import Foundation
import TestSupport
import XCTest

/// `rewind view table`, `rewind generate cdc` and `rewind diff` through the real binary.
final class TablesCLITests: XCTestCase {
    var directory: TemporaryDirectory!
    var dir: String { directory.appending("log") }
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func testViewTableJSONPrintsOneObjectPerRowWithItsKey() throws {
        try XCTAssertEqual(rewind(["topics", "create", "users", "--partitions", "1", "--dir", dir]).status, 0)
        let lines = [
            #"{"id":"u1","name":"Ann","address":{"city":"Oslo"}}"#,
            #"{"id":"u2","name":"Bob","visits":3}"#,
            #"{"id":"u1","name":"Ann B","visits":7}"#,
        ]
        let produced = try rewind(["produce", "users", "--dir", dir, "--key-field", "id"], stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(produced.status, 0, produced.stderr)
        let result = try rewind(["view", "table", "users", "--dir", dir, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
        {"key":"u1","id":"u1","name":"Ann B","address":null,"visits":7}
        {"key":"u2","id":"u2","name":"Bob","address":null,"visits":3}

        """)
        // As of the first event: the nested object is spliced in as JSON, not quoted.
        let first = try rewind(["view", "table", "users", "--dir", dir, "--format", "json", "--offset", "0"])
        XCTAssertEqual(first.stdout, #"{"key":"u1","id":"u1","name":"Ann","address":{"city":"Oslo"}}"# + "\n")
        let lineage = try rewind(["lineage", "table", "users", "u1", "--dir", dir])
        XCTAssertEqual(lineage.status, 0, lineage.stderr)
        XCTAssertTrue(lineage.stdout.contains("set  - → {id: u1, name: Ann, address: {\"city\":\"Oslo\"}}"), lineage.stdout)
        XCTAssertTrue(lineage.stdout.contains("2 events; u1 is {id: u1, name: Ann B, visits: 7}"), lineage.stdout)
    }

    /// `diff --format json` between two offsets equals the difference of `view table` at each.
    func testDiffEqualsTheDifferenceOfTwoViews() throws {
        let generated = try rewind(["generate", "cdc", "--events", "1500", "--partitions", "1", "--dir", dir])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let topic = "monolith.bank.orders"
        func table(at offset: Int) throws -> [String: [String: AnyHashable]] {
            let result = try rewind(["view", "table", topic, "--dir", dir, "--format", "json", "--offset", String(offset)])
            XCTAssertEqual(result.status, 0, result.stderr)
            var rows: [String: [String: AnyHashable]] = [:]
            for object in try jsonLines(result.stdout) {
                rows[object["key"] as! String] = (object as! [String: AnyHashable]).filter { $0.key != "key" && !($0.value is NSNull) }
            }
            return rows
        }
        for (from, to) in [(40, 700), (650, 120)] {
            let before = try table(at: from), after = try table(at: to)
            let result = try rewind(["diff", "table", topic, "--from", String(from), "--to", String(to), "--format", "json", "--dir", dir])
            XCTAssertEqual(result.status, 0, result.stderr)
            var seen = Set<String>()
            for object in try jsonLines(result.stdout) {
                let key = object["row"] as! String
                seen.insert(key)
                let old = object["before"] as? [String: AnyHashable], new = object["after"] as? [String: AnyHashable]
                XCTAssertEqual(old, before[key], key)
                XCTAssertEqual(new, after[key], key)
                switch object["change"] as! String {
                case "added": XCTAssertTrue(before[key] == nil && after[key] != nil, key)
                case "removed": XCTAssertTrue(before[key] != nil && after[key] == nil, key)
                case "changed": XCTAssertNotEqual(before[key], after[key], key)
                default: XCTFail("unknown change in \(object)")
                }
            }
            let expected = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
            XCTAssertEqual(seen, expected, "\(from) → \(to)")
            XCTAssertFalse(expected.isEmpty)
            XCTAssertTrue(result.stderr.contains("between \(from) and \(to)"), result.stderr)
        }
        let table = try rewind(["diff", "table", topic, "--from", "40", "--to", "700", "--dir", dir])
        XCTAssertTrue(table.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("added ") || $0.hasPrefix("removed ") || $0.hasPrefix("changed ") }, table.stdout)
    }

    func testDiffBadPositionIsOneClearLine() throws {
        try XCTAssertEqual(rewind(["generate", "cdc", "--events", "100", "--partitions", "1", "--dir", dir]).status, 0)
        let result = try rewind(["diff", "table", "monolith.bank.orders", "--from", "0", "--to", "next tuesday", "--dir", dir])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("rewind: error: --to 'next tuesday'"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        let missing = try rewind(["diff", "table", "monolith.bank.orders", "--from", "0", "--to", "99999", "--dir", dir])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no event at offset 99999"), missing.stderr)
    }

    /// Without a terminal `demo cdc` prepares the log and prints what to try; what it prints runs.
    func testDemoCDCPreparesTheMonolithsDatabase() throws {
        let demo = try rewind(["demo", "cdc", "--dir", dir, "--events", "3000"])
        XCTAssertEqual(demo.status, 0, demo.stderr)
        XCTAssertTrue(demo.stdout.contains("view table monolith.bank.customers --at 'yesterday 14:00'"), demo.stdout)
        let yesterday = try rewind(["view", "table", "monolith.bank.customers", "--at", "yesterday 14:00", "--dir", dir, "--format", "json"])
        let today = try rewind(["view", "table", "monolith.bank.customers", "--dir", dir, "--format", "json"])
        XCTAssertEqual(yesterday.status, 0, yesterday.stderr)
        XCTAssertTrue(yesterday.stderr.contains("CDC table bank.customers"), yesterday.stderr)
        XCTAssertGreaterThan(try jsonLines(yesterday.stdout).count, 10)
        XCTAssertNotEqual(yesterday.stdout, today.stdout, "a day of changes separates the two")
    }
}
