import EventLog
import Foundation
@testable import Projections
import TestSupport
import XCTest

/// `TableRows`, the `table` view's hash table over a byte arena, against a Swift dictionary:
/// growth, backward-shift deletion, arena compaction, copy-on-write and its encoding.
final class TableRowsTests: XCTestCase {
    /// Keys as the table must key them: their text's UTF-8 (invalid bytes replaced).
    func normalized(_ key: [UInt8]) -> [UInt8] { Array(String(decoding: key, as: UTF8.self).utf8) }

    func randomKey(_ random: inout SeededRandom) -> [UInt8] {
        let n = Int.random(in: 0..<700, using: &random)
        switch n % 10 {
        case 0: return Array("zoë-\(n)".utf8)
        case 1: return [0xFF, UInt8(n & 0x7F), 0xC3] // not UTF-8
        case 2: return n < 20 ? [] : Array("a-much-longer-key-of-more-than-sixteen-bytes-\(n)".utf8)
        default: return Array("k\(n)".utf8)
        }
    }

    func assertEqual(_ rows: TableRows, _ reference: [[UInt8]: [UInt8]], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rows.count, reference.count, context, file: file, line: line)
        XCTAssertEqual(Set(rows.keys), Set(reference.keys.map { String(decoding: $0, as: UTF8.self) }), context, file: file, line: line)
        for (key, value) in reference {
            XCTAssertEqual(rows.withValue(forKey: String(decoding: key, as: UTF8.self)) { Array($0) }, value, context, file: file, line: line)
        }
        var seen = 0
        rows.forEach { key, value in
            seen += 1
            XCTAssertEqual(reference[Array(key)], Array(value), context, file: file, line: line)
        }
        XCTAssertEqual(seen, reference.count, context, file: file, line: line)
    }

    /// Random sets and removes (values up to 2 KB, so the arena is compacted many times) equal a
    /// dictionary after every operation; copies taken on the way keep their contents.
    func testRowsEqualADictionaryProperty() throws {
        var random = SeededRandom.fromEnvironment()
        var rows = TableRows()
        var reference: [[UInt8]: [UInt8]] = [:]
        var copies: [(TableRows, [[UInt8]: [UInt8]])] = []
        for step in 0..<12_000 {
            let key = randomKey(&random)
            if Int.random(in: 0..<4, using: &random) == 0 {
                let removed = key.withUnsafeBytes { rows.remove($0) }
                XCTAssertEqual(removed, reference.removeValue(forKey: normalized(key)) != nil, "step \(step)")
            } else {
                let value = (0..<Int.random(in: 0...2_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                let existed = key.withUnsafeBytes { key in value.withUnsafeBytes { rows.set(key, to: $0) } }
                XCTAssertEqual(existed, reference.updateValue(value, forKey: normalized(key)) != nil, "step \(step)")
            }
            if step % 500 == 0 {
                assertEqual(rows, reference, "step \(step)")
                copies.append((rows, reference))
            }
        }
        assertEqual(rows, reference, "end")
        for (index, copy) in copies.enumerated() { assertEqual(copy.0, copy.1, "copy \(index)") }
        XCTAssertGreaterThan(copies.count, 2)
        XCTAssertNotEqual(copies[1].0, rows)
    }

    /// Removing every key in random order leaves an empty table that still takes rows: the
    /// backward shift never strands a key behind an empty slot.
    func testRemovingEveryKeyInAnyOrderProperty() throws {
        var random = SeededRandom.fromEnvironment()
        for trial in 0..<5 {
            var rows = TableRows()
            let keys = (0..<(200 + trial * 300)).map { Array("key\($0)".utf8) }
            for key in keys { key.withUnsafeBytes { _ = rows.set($0, to: $0) } }
            var remaining = Set(keys)
            for key in keys.shuffled(using: &random) {
                XCTAssertTrue(key.withUnsafeBytes { rows.remove($0) }, "trial \(trial)")
                XCTAssertFalse(key.withUnsafeBytes { rows.remove($0) }, "trial \(trial)")
                remaining.remove(key)
                if remaining.count % 97 == 0 {
                    assertEqual(rows, Dictionary(uniqueKeysWithValues: remaining.map { ($0, $0) }), "trial \(trial), \(remaining.count) left")
                }
            }
            XCTAssertTrue(rows.isEmpty)
            keys[0].withUnsafeBytes { _ = rows.set($0, to: $0) }
            XCTAssertEqual(rows.value(forKey: "key0"), "key0")
        }
    }

    /// Encoded and decoded, and built in another order, the rows compare equal; a different row
    /// value makes them unequal.
    func testCodableRoundTripAndEquality() throws {
        var random = SeededRandom.fromEnvironment()
        var rows = TableRows(), reversed = TableRows()
        var pairs: [([UInt8], [UInt8])] = []
        for n in 0..<3_000 { pairs.append((Array("row-\(n)-é".utf8), Array(#"{"n":\#(n),"s":"\#(Int.random(in: 0..<99, using: &random))"}"#.utf8))) }
        for (key, value) in pairs { key.withUnsafeBytes { key in value.withUnsafeBytes { _ = rows.set(key, to: $0) } } }
        for (key, value) in pairs.reversed() { key.withUnsafeBytes { key in value.withUnsafeBytes { _ = reversed.set(key, to: $0) } } }
        XCTAssertEqual(rows, reversed)
        let decoded = try JSONDecoder().decode(TableRows.self, from: JSONEncoder().encode(rows))
        XCTAssertEqual(decoded, rows)
        XCTAssertEqual(decoded.value(forKey: "row-7-é"), String(decoding: pairs[7].1, as: UTF8.self))
        pairs[7].0.withUnsafeBytes { _ = reversed.set($0, to: UnsafeRawBufferPointer(start: nil, count: 0)) }
        XCTAssertNotEqual(rows, reversed)
        XCTAssertThrowsError(try JSONDecoder().decode(TableRows.self, from: Data(#"["lonely key"]"#.utf8)))
    }

    /// A table of ~1,500 rows folded in random slices, stepped and rewound to random events
    /// (checkpoints every 500 events while the table is small, then every 8,000 as it outgrows
    /// them; copy-on-write copies restored), equals a fresh fold to the same event.
    func testLargeTableRewindsEqualFreshFoldsProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("changelog", config: TopicConfig(partitions: 2, segmentBytes: 64 << 10))
        var keys: [MergeKey] = []
        var records: [[ProducerRecord]] = [[], []]
        for n in 0..<24_000 {
            let id = Int.random(in: 0..<1_500, using: &random)
            let value: [UInt8]? = n % 50 == 49 ? nil : Array(#"{"id":\#(id),"n":\#(n)}"#.utf8)
            let partition = id & 1
            let time = 1_000 + Int64(n)
            keys.append(MergeKey(timestamp: time, partition: Int32(partition), offset: Int64(records[partition].count)))
            records[partition].append(ProducerRecord(key: Array("c\(id)".utf8), value: value, timestamp: Timestamp(milliseconds: time)))
        }
        for partition in 0..<2 {
            for start in stride(from: 0, to: records[partition].count, by: 1_000) {
                _ = try log.append(Array(records[partition][start..<min(start + 1_000, records[partition].count)]), to: "changelog", partition: Int32(partition))
            }
        }
        let runner = try ViewRunner(log: log, topic: "changelog", projection: TableProjection(), snapshots: nil)
        runner.checkpointEveryEvents = 500
        while try runner.run(to: .end, maxEvents: Int64.random(in: 1...3_000, using: &random)) > 0 {}
        for round in 0..<8 {
            let target = keys[Int.random(in: 0..<keys.count, using: &random)]
            try runner.rewind(to: .event(target))
            if round % 2 == 0 { _ = try runner.step() }
            let reached = runner.progress.lastEvent!
            let fresh = try ViewRunner(log: log, topic: "changelog", projection: TableProjection(), snapshots: nil)
            try fresh.run(to: .event(reached))
            XCTAssertEqual(runner.state, fresh.state, "round \(round): as of \(reached)")
            XCTAssertEqual(runner.rows(), fresh.rows(), "round \(round)")
        }
    }

    /// Hints for keys set soon, for keys never set and for keys of a copy, interleaved with
    /// random sets and removes, change nothing: the rows equal a dictionary at every step, and a
    /// copy that is only hinted keeps its rows and its storage.
    func testPrefetchHintsChangeNothingProperty() throws {
        var random = SeededRandom.fromEnvironment()
        var rows = TableRows()
        var reference: [[UInt8]: [UInt8]] = [:]
        var upcoming = (0..<16).map { _ in randomKey(&random) }
        for step in 0..<8_000 {
            let key = upcoming.removeFirst()
            upcoming.append(randomKey(&random))
            upcoming.last!.withUnsafeBytes { rows.prefetch($0) }
            if step % 7 == 0 { Array("never-\(step)".utf8).withUnsafeBytes { rows.prefetch($0) } }
            if Int.random(in: 0..<5, using: &random) == 0 {
                let removed = key.withUnsafeBytes { rows.remove($0) }
                XCTAssertEqual(removed, reference.removeValue(forKey: normalized(key)) != nil, "step \(step)")
            } else {
                let value = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                let existed = key.withUnsafeBytes { key in value.withUnsafeBytes { rows.set(key, to: $0) } }
                XCTAssertEqual(existed, reference.updateValue(value, forKey: normalized(key)) != nil, "step \(step)")
            }
            if step % 1_000 == 999 {
                assertEqual(rows, reference, "step \(step)")
                var copy = rows
                for key in upcoming { key.withUnsafeBytes { copy.prefetch($0) } }
                XCTAssertTrue(copy.sharesStorage(with: rows), "a hint must not copy the rows")
                assertEqual(copy, reference, "hinted copy, step \(step)")
            }
        }
        assertEqual(rows, reference, "end")
    }

    /// Updates that fit a row's capacity overwrite it in place (the arena does not grow); one that
    /// does not moves the row, and the abandoned bytes are compacted away once they outweigh the
    /// live ones. Every value reads back as set.
    func testUpdatesInPlaceUntilARowOutgrowsItsCapacity() throws {
        var rows = TableRows()
        func set(_ key: String, _ value: String) { Array(key.utf8).withUnsafeBytes { key in Array(value.utf8).withUnsafeBytes { _ = rows.set(key, to: $0) } } }
        let base = String(repeating: "v", count: 80)
        for n in 0..<1_000 { set("k\(n)", base) }
        let used = rows.arenaBytesUsed
        for round in 0..<5 {
            for n in 0..<1_000 { set("k\(n)", String(base.prefix(70 + (n + round) % 11))) }
            XCTAssertEqual(rows.arenaBytesUsed, used, "round \(round): every update fits")
        }
        XCTAssertEqual(rows.value(forKey: "k7"), String(base.prefix(70 + (7 + 4) % 11)))
        set("k3", base + "a row that grew past its capacity")
        XCTAssertGreaterThan(rows.arenaBytesUsed, used)
        XCTAssertEqual(rows.value(forKey: "k3"), base + "a row that grew past its capacity")
        XCTAssertEqual(rows.count, 1_000)
        // Rows that grow past any capacity, over 1 MiB of arena: compaction keeps the arena
        // within about twice the live bytes.
        var grown = TableRows()
        for round in 0..<40 {
            for n in 0..<500 {
                let value = String(repeating: "x", count: 100 + round * 40)
                Array("k\(n)".utf8).withUnsafeBytes { key in Array(value.utf8).withUnsafeBytes { _ = grown.set(key, to: $0) } }
            }
        }
        let live = 500 * (12 + 4 + (100 + 39 * 40) * 9 / 8 + 8)
        XCTAssertLessThan(grown.arenaBytesUsed, 2 * live + (1 << 20))
        XCTAssertEqual(grown.value(forKey: "k499"), String(repeating: "x", count: 100 + 39 * 40))
    }
}
