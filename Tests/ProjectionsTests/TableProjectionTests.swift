import Decoding
import EventLog
import Foundation
import Payloads
@testable import Projections
import Scenarios
import TestSupport
import XCTest

/// The `table` view: latest value per key against a reference map, CDC envelopes in every shape
/// Debezium writes them, and time travel through snapshots.
final class TableProjectionTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// A value as the reference sees it: ordered fields (so first-seen column order is checkable),
    /// or a bare non-object value, or a tombstone.
    enum ReferenceValue {
        case object([(String, ViewValue, String)]) // name, expected cell, JSON text
        case scalar(ViewValue, String)
        case tombstone
    }

    func randomValue(_ random: inout SeededRandom) -> ReferenceValue {
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1: return .tombstone
        case 2: return .scalar(.text("plain \(Int.random(in: 0..<9, using: &random))"), "plain \(Int.random(in: 0..<9, using: &random))")
        default:
            let names = ["id", "name", "status", "amount", "tags", "address", "note"].shuffled(using: &random)
            var fields: [(String, ViewValue, String)] = []
            for name in names.prefix(Int.random(in: 1...5, using: &random)) {
                switch Int.random(in: 0..<4, using: &random) {
                case 0:
                    let number = Int64.random(in: -1000...1000, using: &random)
                    fields.append((name, .int(number), String(number)))
                case 1:
                    let text = ["new", "paid", "Zoë", "a \\\"quote\\\""][Int.random(in: 0..<4, using: &random)]
                    let decoded = text.replacingOccurrences(of: "\\\"", with: "\"")
                    fields.append((name, .text(decoded), "\"\(text)\""))
                case 2: fields.append((name, .json(#"{"city":"Oslo","zip":[1,2]}"#), #"{ "city": "Oslo", "zip": [1, 2] }"#))
                default: fields.append((name, .null, "null"))
                }
            }
            return .object(fields)
        }
    }

    /// At every event of a random changelog over two partitions, the view equals a reference map:
    /// same keys, same cells, columns in first-seen order.
    func testTableEqualsReferenceMapAtEveryOffsetProperty() throws {
        var random = SeededRandom.fromEnvironment()
        for trial in 0..<3 {
            let log = try EventLog.open(directory.appending("log\(trial)"), mode: .readWrite, create: true)
            defer { log.close() }
            try log.createTopic("changelog", config: TopicConfig(partitions: 2, segmentBytes: 8 << 10))
            var produced: [(partition: Int32, key: String?, value: ReferenceValue)] = []
            for n in 0..<(400 + trial * 150) {
                let key: String? = Int.random(in: 0..<40, using: &random) == 0 ? nil : "k\(Int.random(in: 0..<25, using: &random))"
                let value = randomValue(&random)
                let bytes: [UInt8]?
                switch value {
                case let .object(fields): bytes = Array(("{" + fields.map { "\"\($0.0)\": \($0.2)" }.joined(separator: ", ") + "}").utf8)
                case let .scalar(_, text): bytes = Array(text.utf8)
                case .tombstone: bytes = nil
                }
                let partition = Int32(key.map { Int($0.utf8.last!) & 1 } ?? 0)
                // Strictly increasing timestamps: fold order is production order.
                _ = try log.append([ProducerRecord(key: key.map { Array($0.utf8) }, value: bytes, timestamp: Timestamp(milliseconds: 1_000 + Int64(n)))],
                                   to: "changelog", partition: partition)
                if case let .scalar(_, text) = value { produced.append((partition, key, .scalar(.text(text), text))) } else { produced.append((partition, key, value)) }
            }
            let runner = try ViewRunner(log: log, topic: "changelog", projection: TableProjection(), snapshots: nil)
            var reference: [String: ReferenceValue] = [:]
            var columns: [String] = []
            for (index, event) in produced.enumerated() {
                XCTAssertNotNil(try runner.step(), "trial \(trial) event \(index)")
                if let key = event.key {
                    if case .tombstone = event.value { reference[key] = nil } else { reference[key] = event.value }
                    switch event.value {
                    case let .object(fields): for field in fields where !columns.contains(field.0) { columns.append(field.0) }
                    case .scalar: if !columns.contains("value") { columns.append("value") }
                    case .tombstone: break
                    }
                }
                XCTAssertEqual(runner.columns, ["key"] + columns, "trial \(trial) event \(index)")
                XCTAssertEqual(runner.rows().map(\.key), reference.keys.sorted(), "trial \(trial) event \(index)")
                for (key, value) in reference {
                    var expected = [ViewValue](repeating: .null, count: columns.count)
                    switch value {
                    case let .object(fields): for field in fields { expected[columns.firstIndex(of: field.0)!] = field.1 }
                    case let .scalar(cell, _): expected[columns.firstIndex(of: "value")!] = cell
                    case .tombstone: XCTFail("tombstones are not rows")
                    }
                    XCTAssertEqual(runner.row(key)?.values, expected, "trial \(trial) event \(index) key \(key)")
                }
            }
            XCTAssertNil(try runner.step())
        }
    }

    /// Snapshots round-trip the state: the view as of any event through a snapshot equals a fold
    /// from the start, and lineage lists every change of a row with before and after.
    func testTableTimeTravelAndLineage() throws {
        var random = SeededRandom.fromEnvironment()
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("users", config: TopicConfig(partitions: 1))
        var records: [ProducerRecord] = []
        for n in 0..<1500 {
            let key = "u\(Int.random(in: 0..<30, using: &random))"
            let value: [UInt8]? = n % 9 == 4 ? nil : Array(#"{"name":"user \#(n)","visits":\#(n)}"#.utf8)
            records.append(ProducerRecord(key: Array(key.utf8), value: value, timestamp: Timestamp(milliseconds: 10_000 + Int64(n))))
        }
        _ = try log.append(records, to: "users")
        let store = SnapshotStore(logDirectory: log.directory, cacheRoot: directory.appending("cache"))
        let fast = try ViewRunner(log: log, topic: "users", projection: TableProjection(), snapshots: store, snapshotEveryEvents: 100)
        try fast.run()
        for _ in 0..<30 {
            let offset = Int64.random(in: 0..<1500, using: &random)
            let target = FoldTarget.event(MergeKey(timestamp: 10_000 + offset, partition: 0, offset: offset))
            try fast.rewind(to: target)
            let slow = try ViewRunner(log: log, topic: "users", projection: TableProjection(), snapshots: nil)
            try slow.run(to: target)
            XCTAssertEqual(fast.state, slow.state, "offset \(offset)")
        }
        let key = String(decoding: records[0].key!, as: UTF8.self)
        let lineage = try fast.lineage(of: key)
        let changes = records.enumerated().filter { $0.element.key == records[0].key }
        // A tombstone of a row that is already gone changes nothing and is no lineage entry.
        var present = false
        var expected: [Int] = []
        for (offset, record) in changes {
            if record.value == nil { if present { expected.append(offset) }; present = false } else { expected.append(offset); present = true }
        }
        XCTAssertEqual(lineage.map { Int($0.event.offset) }, expected)
        for (entry, previous) in zip(lineage.dropFirst(), lineage) { XCTAssertEqual(entry.before, previous.after) }
        XCTAssertEqual(lineage.first?.before, nil)
        XCTAssertEqual(lineage.filter { $0.after == nil }.map(\.change), lineage.filter { $0.after == nil }.map { _ in "tombstone" })
        XCTAssertEqual(lineage.last?.after, try ViewRunner(log: log, topic: "users", projection: TableProjection(), snapshots: nil).then { try $0.run() }.row(key))
    }

    func testColumnsAreBoundedByTheLimit() throws {
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("wide", config: TopicConfig(partitions: 1))
        let fields = (0..<(ProjectionLimits.tableColumnsMax + 10)).map { "\"f\($0)\":\($0)" }.joined(separator: ",")
        _ = try log.append([ProducerRecord(key: Array("k".utf8), value: Array("{\(fields)}".utf8), timestamp: Timestamp(milliseconds: 1))], to: "wide")
        let runner = try ViewRunner(log: log, topic: "wide", projection: TableProjection(), snapshots: nil)
        try runner.run()
        XCTAssertEqual(runner.columns.count, 1 + ProjectionLimits.tableColumnsMax)
        XCTAssertTrue(runner.state.fieldsDropped)
        XCTAssertEqual(runner.row("k")?.values.last, .int(Int64(ProjectionLimits.tableColumnsMax - 1)))
    }

    // MARK: CDC

    /// `rewind generate cdc`: both tables, every kind of change, and the table view of each topic
    /// equals the rows a reference fold of the envelopes (JSONSerialization) leaves, at any time.
    func testCDCGeneratorFoldsToItsTables() throws {
        var generator = CDCGenerator(seed: 3, customers: 50, start: Timestamp(milliseconds: 1_000_000), spanMs: 3 * 86_400_000, events: 4000)
        let changes = generator.generate(4000)
        XCTAssertEqual(Set(changes.map(\.topic)), ["monolith.bank.customers", "monolith.bank.orders"])
        var again = CDCGenerator(seed: 3, customers: 50, start: Timestamp(milliseconds: 1_000_000), spanMs: 3 * 86_400_000, events: 4000)
        XCTAssertEqual(again.generate(4000).map(\.record.value), changes.map(\.record.value), "same seed, same changes")
        let ops = changes.compactMap { change -> String? in
            guard let value = change.record.value else { return "tombstone" }
            return (try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])?["op"] as? String
        }
        for op in ["r", "c", "u", "d", "tombstone"] { XCTAssertTrue(ops.contains(op), "the generator emits \(op)") }
        // The changes fill their span and never pass its end (the demo's "14:00 yesterday" must
        // lie inside them at any time of day).
        let times = changes.map(\.record.timestamp.milliseconds)
        XCTAssertLessThanOrEqual(times.max()!, 1_000_000 + 3 * 86_400_000)
        XCTAssertGreaterThan(times.max()!, 1_000_000 + 3 * 86_400_000 - 6 * 3_600_000, "the last change is within 6 h of the span's end")
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        for topic in generator.topics {
            try log.createTopic(topic, config: TopicConfig(partitions: 2))
            _ = try log.append(changes.filter { $0.topic == topic }.map(\.record), to: topic)
        }
        let cutoff = changes[2500].record.timestamp
        for topic in generator.topics {
            var reference: [String: [String: AnyHashable]] = [:]
            for change in changes where change.topic == topic && change.record.timestamp <= cutoff {
                let key = String(decoding: change.record.key!, as: UTF8.self)
                guard let value = change.record.value else { reference[key] = nil; continue }
                let envelope = try JSONSerialization.jsonObject(with: Data(value)) as! [String: Any]
                if ["c", "r", "u"].contains(envelope["op"] as! String) { reference[key] = envelope["after"] as? [String: AnyHashable] } else { reference[key] = nil }
            }
            let view = try ViewCatalog.open("table", log: log, topic: topic, snapshots: nil)
            try view.rewind(to: .time(cutoff))
            XCTAssertEqual(Set(view.rows().map(\.key)), Set(reference.keys), topic)
            for row in view.rows() {
                let cells = Dictionary(uniqueKeysWithValues: zip(view.columns.dropFirst(), row.values).filter { $0.1 != .null })
                XCTAssertEqual(cells.mapValues(\.description), reference[row.key]!.mapValues { "\($0)" }, "\(topic) \(row.key)")
            }
            XCTAssertEqual(view.caption, "CDC table bank." + topic.split(separator: ".").last!)
        }
    }

    static func envelope(_ op: String, before: String?, after: String?, table: String = "customers") -> String {
        #"{"before":\#(before ?? "null"),"after":\#(after ?? "null"),"source":{"version":"2.5.0.Final","connector":"mysql","name":"monolith","db":"bank","table":"\#(table)"},"op":"\#(op)","ts_ms":1700000000000,"transaction":null}"#
    }

    /// Kafka Connect's JsonConverter with schemas.enable=true wraps the envelope (and the key).
    static func wrapped(_ payload: String) -> String {
        #"{"schema":{"type":"struct","fields":[{"type":"struct","optional":true,"field":"before"}],"optional":false,"name":"monolith.bank.customers.Envelope"},"payload":\#(payload)}"#
    }

    /// The changes Debezium emits for: insert 1 and 2, update 1, delete 2 (with its tombstone),
    /// insert 3, snapshot read of 4, update 3.
    func cdcChanges(wrap: Bool) -> [(key: String, value: String?)] {
        let key = { (id: Int) in wrap ? Self.wrapped(#"{"id":\#(id)}"#) : #"{"id":\#(id)}"# }
        let value = { (text: String) in wrap ? Self.wrapped(text) : text }
        let ann = #"{"id":1,"name":"Ann","city":"Oslo"}"#, ann2 = #"{"id":1,"name":"Ann","city":"Bergen"}"#
        let bob = #"{"id":2,"name":"Bob","city":"Rome"}"#, cy = #"{"id":3,"name":"Cy","city":"Lyon"}"#
        return [
            (key(1), value(Self.envelope("c", before: nil, after: ann))),
            (key(2), value(Self.envelope("c", before: nil, after: bob))),
            (key(1), value(Self.envelope("u", before: ann, after: ann2))),
            (key(2), value(Self.envelope("d", before: bob, after: nil))),
            (key(2), nil),
            (key(3), value(Self.envelope("c", before: nil, after: cy))),
            (key(4), value(Self.envelope("r", before: nil, after: #"{"id":4,"name":"Di","city":"Pisa"}"#))),
            (key(3), value(Self.envelope("u", before: cy, after: #"{"id":3,"name":"Cy","city":"Nice","vip":true}"#))),
        ]
    }

    func foldCDC(_ changes: [(key: String, value: [UInt8]?)], decoder: ValueDecoder? = nil) throws -> MaterializedView {
        let log = try EventLog.open(directory.appending("cdc-\(UUID().uuidString)"), mode: .readWrite, create: true)
        try log.createTopic("monolith.bank.customers", config: TopicConfig(partitions: 1))
        _ = try log.append(changes.enumerated().map { ProducerRecord(key: Array($0.element.key.utf8), value: $0.element.value, timestamp: Timestamp(milliseconds: 100 + Int64($0.offset))) },
                           to: "monolith.bank.customers")
        let view = try ViewCatalog.open("table", log: log, topic: "monolith.bank.customers", snapshots: nil, decoder: decoder)
        try view.run(to: .end, maxEvents: .max)
        return view
    }

    func assertCustomersTable(_ view: MaterializedView, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(view.columns, ["key", "id", "name", "city", "vip"], file: file, line: line)
        XCTAssertEqual(view.rows().map(\.key), [#"{"id":1}"#, #"{"id":3}"#, #"{"id":4}"#], file: file, line: line)
        XCTAssertEqual(view.row(#"{"id":1}"#)?.values, [.int(1), .text("Ann"), .text("Bergen"), .null], file: file, line: line)
        XCTAssertEqual(view.row(#"{"id":3}"#)?.values, [.int(3), .text("Cy"), .text("Nice"), .text("true")], file: file, line: line)
        XCTAssertEqual(view.caption, "CDC table bank.customers", file: file, line: line)
        let lineage = try view.lineage(of: #"{"id":3}"#, to: .end)
        XCTAssertEqual(lineage.map(\.change), ["op=c", "op=u"], file: file, line: line)
        // The row as it was: `vip` was no column yet.
        XCTAssertEqual(lineage.last?.before?.values, [.int(3), .text("Cy"), .text("Lyon")], file: file, line: line)
        let deleted = try view.lineage(of: #"{"id":2}"#, to: .end)
        // The tombstone after the delete changes nothing: the row is already gone.
        XCTAssertEqual(deleted.map(\.change), ["op=c", "op=d"], file: file, line: line)
        XCTAssertNil(deleted.last?.after, file: file, line: line)
    }

    func testCDCPlainEnvelopeFoldsAsTheSourceTable() throws {
        try assertCustomersTable(try foldCDC(cdcChanges(wrap: false).map { ($0.key, $0.value.map { Array($0.utf8) }) }))
    }

    func testCDCJSONConverterWrappedEnvelope() throws {
        try assertCustomersTable(try foldCDC(cdcChanges(wrap: true).map { ($0.key, $0.value.map { Array($0.utf8) }) }))
    }

    func testCDCTruncateEmptiesTheTableAndHeartbeatsChangeNothing() throws {
        var changes = cdcChanges(wrap: false).map { ($0.key, $0.value.map { Array($0.utf8) }) }
        changes.append((#"{"id":9}"#, Array(#"{"op":"m","ts_ms":1,"message":{"prefix":"x"}}"#.utf8)))
        let before = try foldCDC(changes)
        XCTAssertEqual(before.rows().count, 3)
        changes.append(("", Array(Self.envelope("t", before: nil, after: nil).utf8)))
        XCTAssertEqual(try foldCDC(changes).rows(), [])
    }

    /// A plain changelog whose values happen to carry an `op` field is no CDC topic.
    func testPlainValuesWithAnOpFieldStayPlainRows() throws {
        let view = try foldCDC([("a", Array(#"{"op":"c","qty":2}"#.utf8)), ("a", Array(#"{"op":"d","qty":3}"#.utf8))])
        XCTAssertEqual(view.columns, ["key", "op", "qty"])
        XCTAssertEqual(view.row("a")?.values, [.text("d"), .int(3)])
        XCTAssertNil(view.caption)
    }

    /// The same changes as Avro (unframed, schema given): decoded to JSON first, folded the same.
    func testCDCFromAvro() throws {
        let schema = try AvroSchemaParser.parse("""
        {"type":"record","name":"Envelope","namespace":"monolith.bank.customers","fields":[
          {"name":"before","type":["null",{"type":"record","name":"Value","fields":[
            {"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"city","type":"string"},
            {"name":"vip","type":["null","boolean"],"default":null}]}],"default":null},
          {"name":"after","type":["null","Value"],"default":null},
          {"name":"source","type":{"type":"record","name":"Source","fields":[{"name":"db","type":"string"},{"name":"table","type":"string"}]}},
          {"name":"op","type":"string"},
          {"name":"ts_ms","type":["null","long"],"default":null}]}
        """)
        // Confluent-framed (magic 0, schema id 7) as Debezium's AvroConverter writes them.
        let decoder = try ValueDecoder(DecoderOptions(format: .avro, avroSchemas: [(id: 7, schema: schema)]))
        let changes = cdcChanges(wrap: false).map { change -> (String, [UInt8]?) in
            guard let text = change.value, let envelope = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return (change.key, nil) }
            return (change.key, [0, 0, 0, 0, 7] + AvroWriter.envelope(envelope))
        }
        let view = try foldCDC(changes, decoder: decoder)
        // Avro rows carry every field of the schema, so `vip` is a column from the first insert.
        XCTAssertEqual(view.columns, ["key", "id", "name", "city", "vip"])
        XCTAssertEqual(view.rows().map(\.key), [#"{"id":1}"#, #"{"id":3}"#, #"{"id":4}"#])
        XCTAssertEqual(view.row(#"{"id":3}"#)?.values, [.int(3), .text("Cy"), .text("Nice"), .text("true")])
        XCTAssertEqual(view.caption, "CDC table bank.customers")
        XCTAssertEqual(try view.lineage(of: #"{"id":2}"#, to: .end).map(\.change), ["op=c", "op=d"])
    }

    /// The fold as `rebuild` runs it — batches of 1 to 60 records, so the prefetch hints 24
    /// events ahead cross batch ends; values mostly shaped like the rows before (the known-fields
    /// scan), sometimes reordered, extended, nested, growing past their capacity or broken — equals
    /// a reference map after every slice of a random number of events.
    func testBatchedFoldEqualsAReferenceMapProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("changelog", config: TopicConfig(partitions: 1, segmentBytes: 64 << 10))
        var produced: [(key: String, value: [UInt8]?)] = []
        while produced.count < 6_000 {
            var batch: [ProducerRecord] = []
            for _ in 0..<Int.random(in: 1...60, using: &random) {
                let n = produced.count
                let key = "k\(Int.random(in: 0..<300, using: &random))"
                let value: [UInt8]?
                switch Int.random(in: 0..<20, using: &random) {
                case 0: value = nil
                case 1: value = Array(#"{"name":"reordered \#(n)","id":\#(n)}"#.utf8)
                case 2: value = Array(#"{"id":\#(n),"extra":\#(n % 7),"name":"x"}"#.utf8)
                case 3: value = Array(#"{"id":\#(n),"nested":{"a":[1,"}"]}}"#.utf8)
                case 4: value = Array(#"{"id":\#(n),"name":"\#(String(repeating: "grows ", count: n % 40))"}"#.utf8)
                case 5: value = Array(#"{"id":\#(n),"name":"broken"#.utf8)
                case 6: value = Array("plain \(n)".utf8)
                default: value = Array(#"{"id":\#(n),"name":"a \"quoted\" name \#(n % 3)","status":"\#(["new", "active", "suspended"][n % 3])"}"#.utf8)
                }
                batch.append(ProducerRecord(key: Array(key.utf8), value: value, timestamp: Timestamp(milliseconds: 1_000 + Int64(n))))
                produced.append((key, value))
            }
            _ = try log.append(batch, to: "changelog")
        }
        let runner = try ViewRunner(log: log, topic: "changelog", projection: TableProjection(), snapshots: nil)
        // A key's latest value; nil: its tombstone came in this slice (then it must be gone).
        var reference: [String: [UInt8]?] = [:]
        var columns: [String] = []
        var folded = 0
        while folded < produced.count {
            let slice = Int.random(in: 1...700, using: &random)
            XCTAssertEqual(try runner.run(to: .end, maxEvents: Int64(slice)), Int64(min(slice, produced.count - folded)))
            for (key, value) in produced[folded..<min(folded + slice, produced.count)] {
                reference.updateValue(value, forKey: key)
                guard let value else { continue }
                var keys: [String] = []
                let isObject = value.withUnsafeBytes { bytes in
                    JSONScanner.forEachRawMember(bytes) { name, _ in
                        keys.append(String(decoding: name, as: UTF8.self))
                        return true
                    }
                }
                // As the fold always did: the members of a broken object before the break are
                // columns too, then its `value`.
                for name in isObject ? keys : keys + ["value"] where !columns.contains(name) { columns.append(name) }
            }
            folded = min(folded + slice, produced.count)
            XCTAssertEqual(runner.columns, ["key"] + columns, "after \(folded) events")
            XCTAssertEqual(runner.state.rows.count, reference.values.filter { $0 != nil }.count, "after \(folded) events")
            for (key, value) in reference {
                let stored = runner.state.rows.withValue(forKey: key) { Array($0) }
                guard let value else {
                    XCTAssertNil(stored, "after \(folded) events: \(key) was deleted")
                    continue
                }
                let isObject = value.withUnsafeBytes { JSONScanner.forEachRawMember($0) { _, _ in true } }
                XCTAssertEqual(stored.map { String(decoding: $0, as: UTF8.self) },
                               isObject ? String(decoding: value, as: UTF8.self) : #"{"value":"# + Self.quoted(String(decoding: value, as: UTF8.self)) + "}",
                               "after \(folded) events: \(key)")
            }
            reference = reference.filter { $0.value != nil }
        }
    }

    /// A JSON string of ASCII text without control characters.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// Just enough Avro binary encoding for the CDC envelope above.
enum AvroWriter {
    static func long(_ value: Int64, _ out: inout [UInt8]) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            out.append(UInt8(zigzag & 0x7F) | 0x80)
            zigzag >>= 7
        }
        out.append(UInt8(zigzag))
    }

    static func string(_ text: String, _ out: inout [UInt8]) {
        long(Int64(text.utf8.count), &out)
        out.append(contentsOf: text.utf8)
    }

    static func row(_ row: Any?, _ out: inout [UInt8]) {
        guard let row = row as? [String: Any] else { return long(0, &out) }
        long(1, &out)
        long((row["id"] as! NSNumber).int64Value, &out)
        string(row["name"] as! String, &out)
        string(row["city"] as! String, &out)
        if let vip = row["vip"] as? Bool {
            long(1, &out)
            out.append(vip ? 1 : 0)
        } else {
            long(0, &out)
        }
    }

    static func envelope(_ envelope: [String: Any]) -> [UInt8] {
        var out: [UInt8] = []
        row(envelope["before"], &out)
        row(envelope["after"], &out)
        let source = envelope["source"] as! [String: Any]
        string(source["db"] as! String, &out)
        string(source["table"] as! String, &out)
        string(envelope["op"] as! String, &out)
        long(1, &out)
        long((envelope["ts_ms"] as! NSNumber).int64Value, &out)
        return out
    }
}

extension ViewRunner {
    func then(_ body: (ViewRunner) throws -> Void) rethrows -> ViewRunner {
        try body(self)
        return self
    }
}

/// `ViewDiff` through snapshots equals comparing two folds from the start.
final class ViewDiffTests: XCTestCase {
    func testDiffEqualsTheDifferenceOfTwoFoldsProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("changes", config: TopicConfig(partitions: 2))
        var records: [ProducerRecord] = []
        for n in 0..<2000 {
            let key = "k\(Int.random(in: 0..<60, using: &random))"
            let value: [UInt8]? = Int.random(in: 0..<8, using: &random) == 0 ? nil
                : Array(#"{"type":"deposit","account":"\#(key)","amount":\#(Int.random(in: 1...99, using: &random)),"n":\#(n)}"#.utf8)
            records.append(ProducerRecord(key: Array(key.utf8), value: value, timestamp: Timestamp(milliseconds: 1_000 + Int64(n) * 10)))
        }
        _ = try log.append(records, to: "changes")
        let store = SnapshotStore(logDirectory: log.directory, cacheRoot: directory.appending("cache"))
        for name in ["table", "balances", "sum(amount), count by account"] {
            let view = try ViewCatalog.open(name, log: log, topic: "changes", snapshots: store, snapshotEveryEvents: 150)
            try view.run(to: .end, maxEvents: .max)
            for _ in 0..<12 {
                let from = FoldTarget.time(Timestamp(milliseconds: Int64.random(in: 900...21_000, using: &random)))
                let to = FoldTarget.time(Timestamp(milliseconds: Int64.random(in: 900...21_000, using: &random)))
                let diffs = try ViewDiff.between(view, from: from, to: to)
                func fold(_ target: FoldTarget) throws -> [String: [RowDiff.Field]] {
                    let fresh = try ViewCatalog.open(name, log: log, topic: "changes", snapshots: nil)
                    try fresh.run(to: target, maxEvents: .max)
                    return ViewDiff.fields(fresh.rows(), columns: fresh.columns)
                }
                let before = try fold(from), after = try fold(to)
                let changedKeys = Set(before.keys).union(after.keys).filter { before[$0].map(Set.init) != after[$0].map(Set.init) }
                XCTAssertEqual(Set(diffs.map(\.key)), changedKeys, "\(name) \(from) → \(to)")
                for diff in diffs {
                    XCTAssertEqual(diff.before, before[diff.key], "\(name) \(diff.key)")
                    XCTAssertEqual(diff.after, after[diff.key], "\(name) \(diff.key)")
                    XCTAssertEqual(diff.change, before[diff.key] == nil ? .added : after[diff.key] == nil ? .removed : .changed)
                }
            }
        }
    }
}
