import EventLog
import Foundation
@testable import Projections
import TestSupport
import XCTest

/// The binary snapshot coder against JSON's: every value round-trips exactly, every view's state
/// folded from a real log comes back equal, and damaged bytes throw instead of trapping.
final class BinarySnapshotCoderTests: XCTestCase {
    enum Kind: String, Codable, Equatable { case plain, cdc }

    struct Inner: Codable, Equatable {
        var label: String
        var weight: Double
        var tags: [String]
    }

    struct Sample: Codable, Equatable {
        var int: Int
        var int64: Int64
        var int32: Int32?
        var uint64: UInt64
        var uint8: UInt8
        var int8: Int8
        var float: Float
        var double: Double
        var flag: Bool
        var text: String
        var kind: Kind?
        var byName: [String: Int]
        var byNumber: [Int32: Int64]
        var bytes: [UInt8]
        var words: [UInt64]
        var data: Data
        var noInts: [Int]
        var nested: [Inner]
        var maybe: Inner?
        var matrix: [[Int16]]
        var optionals: [Double?]
    }

    /// Any depth of nested arrays.
    struct Nest: Decodable {
        init(from decoder: Decoder) throws {
            var container = try decoder.unkeyedContainer()
            while !container.isAtEnd { _ = try container.decode(Nest.self) }
        }
    }

    static func randomText(_ random: inout SeededRandom) -> String {
        let pieces = ["", "a", "BradA", "Zoë", "🙂", "\u{0}", "\"quoted\"", "line\nbreak", "e\u{301}", "long-" + String(repeating: "x", count: 300)]
        return (0..<Int.random(in: 0...3, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func randomSample(_ random: inout SeededRandom) -> Sample {
        func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random)! }
        return Sample(
            int: pick([0, 1, -1, .max, .min, Int.random(in: .min ... .max, using: &random)]),
            int64: pick([0, -129, 1 << 40, .min, Int64.random(in: .min ... .max, using: &random)]),
            int32: Bool.random(using: &random) ? nil : pick([0, .max, .min, -5]),
            uint64: pick([0, .max, 1 << 63, UInt64.random(in: 0 ... .max, using: &random)]),
            uint8: UInt8.random(in: 0 ... .max, using: &random),
            int8: Int8.random(in: .min ... .max, using: &random),
            float: pick([0, -1.5, .greatestFiniteMagnitude, Float.random(in: -1e6...1e6, using: &random)]),
            double: pick([0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, 0.1, Double.random(in: -1e300...1e300, using: &random)]),
            flag: Bool.random(using: &random),
            text: randomText(&random),
            kind: pick([nil, .plain, .cdc]),
            byName: Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...40, using: &random)).map { ("k\($0)" + randomText(&random), Int.random(in: -1000...1000, using: &random)) }),
            byNumber: Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...5, using: &random)).map { (Int32($0), Int64.random(in: .min ... .max, using: &random)) }),
            bytes: (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0 ... .max, using: &random) },
            words: (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt64.random(in: 0 ... .max, using: &random) },
            data: Data((0..<Int.random(in: 0...16, using: &random)).map { _ in UInt8.random(in: 0 ... .max, using: &random) }),
            noInts: Bool.random(using: &random) ? [] : [Int.random(in: -9...9, using: &random)],
            nested: (0..<Int.random(in: 0...4, using: &random)).map { _ in Inner(label: randomText(&random), weight: Double.random(in: -10...10, using: &random), tags: [randomText(&random)]) },
            maybe: Bool.random(using: &random) ? nil : Inner(label: "x", weight: 1, tags: []),
            matrix: (0..<Int.random(in: 0...3, using: &random)).map { _ in (0..<Int.random(in: 0...3, using: &random)).map { _ in Int16.random(in: .min ... .max, using: &random) } },
            optionals: (0..<Int.random(in: 0...4, using: &random)).map { _ in Bool.random(using: &random) ? nil : 2.5 })
    }

    func testRandomValuesRoundTripExactly() throws {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<300 {
            let sample = Self.randomSample(&random)
            let bytes = try BinarySnapshotEncoder().encode(sample)
            let decoded = try BinarySnapshotDecoder().decode(Sample.self, from: bytes)
            XCTAssertEqual(decoded, sample)
            XCTAssertEqual(decoded.double.bitPattern, sample.double.bitPattern, "-0 and the like keep their bits")
            // What JSON reads back, the binary coder reads back too (the two coders agree on the
            // value); JSON cannot hold infinities at all, the binary coder can.
            guard sample.double.isFinite else { continue }
            XCTAssertEqual(try JSONDecoder().decode(Sample.self, from: try JSONEncoder().encode(decoded)), sample)
        }
        let nan = try BinarySnapshotDecoder().decode([Double].self, from: try BinarySnapshotEncoder().encode([Double.nan, -Double.nan]))
        XCTAssertEqual(nan.map(\.bitPattern), [Double.nan.bitPattern, (-Double.nan).bitPattern])
    }

    /// Truncated or altered bytes throw `DecodingError` (the store then drops the snapshot), never trap.
    func testDamagedBytesThrowOrDecodeButNeverTrap() throws {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<200 {
            let bytes = try BinarySnapshotEncoder().encode(Self.randomSample(&random))
            let cut = Int.random(in: 0..<bytes.count, using: &random)
            XCTAssertThrowsError(try BinarySnapshotDecoder().decode(Sample.self, from: Array(bytes[..<cut])), "cut at \(cut) of \(bytes.count)")
            var flipped = bytes
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: BinarySnapshotFormat.magic.count..<bytes.count, using: &random)
                flipped[at] = UInt8.random(in: 0 ... .max, using: &random)
            }
            _ = try? BinarySnapshotDecoder().decode(Sample.self, from: flipped)
        }
        XCTAssertThrowsError(try BinarySnapshotDecoder().decode(Sample.self, from: Array(#"{"int":1}"#.utf8)))
        // A nesting bomb: 100k arrays inside one another (each length right) stop at the depth
        // limit instead of overflowing the stack.
        let levels = 100_000
        var deep: [UInt8] = BinarySnapshotFormat.magic
        deep.reserveCapacity(deep.count + levels * 6)
        for level in 0..<levels {
            let innerSize = 6 * (levels - 1 - level)
            let body = UInt32(1 + innerSize)
            deep.append(BinarySnapshotFormat.Tag.array.rawValue)
            withUnsafeBytes(of: body.littleEndian) { deep += $0 }
            deep.append(level == levels - 1 ? 0 : 1)
        }
        XCTAssertThrowsError(try BinarySnapshotDecoder().decode(Nest.self, from: deep)) { error in
            XCTAssertTrue("\(error)".contains("deeper"), "\(error)")
        }
        XCTAssertNoThrow(try BinarySnapshotDecoder().decode(Nest.self, from: Array(deep[..<BinarySnapshotFormat.magic.count]) + Array(deep.suffix(6 * 50))), "50 levels decode")
    }

    /// The state of every built-in view, folded from a random bank log, round-trips inside a snapshot.
    func testEveryViewStateRoundTripsInASnapshot() throws {
        var random = SeededRandom.fromEnvironment()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("payments", config: TopicConfig(partitions: 2))
        let accounts = ["BradA", "CarolM", "Zoë", "e\u{301}ve"]
        var time: Int64 = 1_000_000
        let records = (0..<2_000).map { n -> ProducerRecord in
            time += Int64.random(in: 1...500, using: &random)
            let type = ["deposit", "withdrawal", "withdrawal-rejected"].randomElement(using: &random)!
            let account = accounts.randomElement(using: &random)!
            let value = n % 97 == 0 ? nil : #"{"type":"\#(type)","account":"\#(account)","amount":\#(Int.random(in: 1...500, using: &random)),"item":"i\#(n % 13)","user":"u\#(n % 7)","stars":\#(n % 5 + 1),"text":"word\#(n % 11) other"}"#
            return ProducerRecord(key: Array(account.utf8), value: value.map { Array($0.utf8) }, timestamp: Timestamp(milliseconds: time))
        }
        _ = try log.append(records, to: "payments")

        func check<P: Projection>(_ projection: P) throws where P.State: Equatable {
            let runner = try ViewRunner(log: log, topic: "payments", projection: projection, snapshots: nil)
            try runner.run()
            let header = SnapshotHeader(view: projection.id, topic: "payments", lastEvent: runner.progress.lastEvent!, maxEventSoFar: runner.progress.maxEventSoFar!,
                                        eventsApplied: runner.progress.eventsApplied, duplicatesSkipped: 0, positions: runner.progress.positions.mapValues(\.rawValue),
                                        gaps: [OffsetGap(partition: 1, from: 3, to: 9)])
            let ids = (0..<1000).map { _ in UInt64.random(in: 0 ... .max, using: &random) }
            let snapshot = ViewSnapshot(header: header, recentEventIDs: ids, state: runner.state)
            let bytes = try BinarySnapshotEncoder().encode(snapshot)
            let decoded = try SnapshotStore.decode(ViewSnapshot<P.State>.self, from: bytes)
            XCTAssertEqual(decoded.header, header, projection.id)
            XCTAssertEqual(decoded.recentEventIDs, ids, projection.id)
            XCTAssertEqual(decoded.state, runner.state, projection.id)
            XCTAssertEqual(projection.rows(of: decoded.state), runner.rows(), projection.id)
            // The same snapshot written as JSON (what earlier versions wrote) reads through the same call.
            let json = try SnapshotStore.decode(ViewSnapshot<P.State>.self, from: Array(try JSONEncoder().encode(snapshot)))
            XCTAssertEqual(json.state, runner.state, projection.id)
            XCTAssertLessThan(bytes.count, try JSONEncoder().encode(snapshot).count, "binary is smaller than JSON for \(projection.id)")
        }
        try check(BalancesProjection())
        try check(RatingsProjection())
        try check(SearchIndexProjection())
        try check(TableProjection())
        try check(try SpecProjection(parsing: "sum(amount), count, max(amount) by account where type = \"deposit\""))
    }

    /// A cache written by an earlier version (`.json` files) still restores views; new snapshots are binary.
    func testStoreReadsJSONSnapshotsOfEarlierVersions() throws {
        var random = SeededRandom.fromEnvironment()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("payments", config: TopicConfig(partitions: 1))
        var time: Int64 = 1_000
        _ = try log.append((0..<1_000).map { _ in
            time += Int64.random(in: 1...9, using: &random)
            return ProducerRecord(key: nil, value: Array(#"{"type":"deposit","account":"a\#(Int.random(in: 0..<9, using: &random))","amount":3}"#.utf8), timestamp: Timestamp(milliseconds: time))
        }, to: "payments")
        let cache = directory.appending("cache")
        try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: cache), snapshotEveryEvents: 100).run()
        let store = SnapshotStore(logDirectory: log.directory, cacheRoot: cache)
        let folder = store.folder(for: BalancesProjection(), topic: "payments")
        let names = try FileSystem.listDirectory(folder).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 9)
        XCTAssertTrue(names.allSatisfy { $0.hasSuffix(".snap") }, "\(names)")
        // Rewrite every snapshot as an earlier version did: JSON, named .json.
        for name in names {
            let path = folder + "/" + name
            let snapshot = try SnapshotStore.decode(ViewSnapshot<BalancesProjection.State>.self, from: try SystemFile(path: path, mode: .readOnly).readAll(limit: 1 << 30))
            try FileSystem.writeAtomically(Array(try JSONEncoder().encode(snapshot)), to: String(path.dropLast(5)) + ".json", sync: false)
            try FileSystem.remove(path)
        }
        let target = FoldTarget.time(Timestamp(milliseconds: time - 50))
        let restored = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: cache))
        _ = try restored.rewind(to: target, maxEvents: 60)
        XCTAssertGreaterThan(restored.progress.eventsApplied, 800, "restored from a .json snapshot, not folded from the start")
        try restored.run(to: target)
        let slow = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil)
        try slow.run(to: target)
        XCTAssertEqual(restored.state, slow.state)
    }
}
