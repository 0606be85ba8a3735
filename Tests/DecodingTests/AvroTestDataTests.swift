import Decoding
import EventLog
import Foundation
import Payloads
import XCTest

/// ../shared/testdata/kafka: `_schemas-0` and `payments-avro-0` written by an independent Avro
/// encoder; every record must decode to exactly its line in expected-avro.jsonl.
final class AvroTestDataTests: XCTestCase {
    struct Expected {
        var offset: Int64
        var schemaID: Int32
        var value: JSONValue
    }

    static func expected() throws -> [Expected] {
        let text = try String(contentsOfFile: Fixtures.kafkaTestData + "/expected-avro.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let json = try XCTUnwrap(JSONValue.parse(String(line)))
            return Expected(offset: Int64(json["offset"]!.intValue!), schemaID: Int32(json["schema_id"]!.intValue!), value: rewindForm(json["value"]!))
        }
    }

    /// The testdata lists bytes and fixed as arrays of byte values; Rewind prints {"base64"}.
    static func rewindForm(_ value: JSONValue) -> JSONValue {
        guard case let .object(members) = value else { return value }
        return .object(members.map { name, member in
            if name == "ref", case let .array(bytes) = member {
                return (name, .object([("base64", .string(Base64.encode(bytes.map { UInt8($0.intValue!) })))]))
            }
            return (name, member)
        })
    }

    func testRegistryFromTheCapturedSchemasTopic() throws {
        let log = try EventLog.open(Fixtures.kafkaTestData, mode: .readOnly)
        defer { log.close() }
        let registry = try XCTUnwrap(try SchemaRegistry.fromSchemasTopic(in: log))
        XCTAssertEqual(registry.ids, [1, 2])
        XCTAssertEqual(registry[2]?.subject, "payments-avro-value")
        XCTAssertEqual(registry[2]?.version, 2)
        XCTAssertEqual(registry[1]?.label, "bank.Payment (id 1, payments-avro-value v1)")
    }

    func testEveryRecordDecodesToTheIndependentEncodersValue() throws {
        let log = try EventLog.open(Fixtures.kafkaTestData, mode: .readOnly)
        defer { log.close() }
        let registry = try XCTUnwrap(try SchemaRegistry.fromSchemasTopic(in: log))
        let decoder = try ValueDecoder(DecoderOptions(format: .auto, registry: registry))
        let expected = try Self.expected()
        var seen = 0
        let partition = try XCTUnwrap(try log.partitions(of: "payments-avro").first)
        try partition.forEachRecord(from: partition.startOffset) { view, batch in
            guard !batch.header.isControl else { return true }
            let want = expected[seen]
            XCTAssertEqual(view.offset.rawValue, want.offset)
            var out: [UInt8] = []
            let info = decoder.appendJSON(view.value, to: &out)
            XCTAssertEqual(info.kind, .avro)
            XCTAssertEqual(info.schemaID, want.schemaID)
            XCTAssertNil(info.note)
            assertJSONEquivalent(String(decoding: out, as: UTF8.self), want.value, "offset \(want.offset)")
            seen += 1
            return true
        }
        XCTAssertEqual(seen, expected.count)
        XCTAssertEqual(seen, 47)
    }

    /// Soft deletes keep an id readable; tombstones (hard deletes) remove it; unknown ids show raw.
    func testDeletedSchemasAndUnknownIDs() throws {
        func key(_ version: Int) -> [UInt8] { Array("{\"keytype\":\"SCHEMA\",\"subject\":\"s-value\",\"version\":\(version),\"magic\":1}".utf8) }
        func value(_ version: Int, id: Int, deleted: Bool) -> [UInt8] {
            Array("{\"subject\":\"s-value\",\"version\":\(version),\"id\":\(id),\"schema\":\"\\\"long\\\"\",\"deleted\":\(deleted)}".utf8)
        }
        let registry = SchemaRegistry.fromSchemasTopic([
            (key(1), value(1, id: 10, deleted: false)),
            (key(2), value(2, id: 11, deleted: false)),
            (key(2), value(2, id: 11, deleted: true)),
            (key(1), nil),
            (Array("{\"keytype\":\"NOOP\",\"magic\":0}".utf8), nil),
        ])
        XCTAssertNil(registry[10], "a tombstone removes the version")
        XCTAssertEqual(registry[11]?.deleted, true)
        let decoder = try ValueDecoder(DecoderOptions(format: .auto, registry: registry))
        var out: [UInt8] = []
        let framed: [UInt8] = [0, 0, 0, 0, 11, 0x54]
        XCTAssertEqual(framed.withUnsafeBytes { decoder.appendJSON($0, to: &out) }.kind, .avro)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "42")
        out.removeAll()
        let unknown: [UInt8] = [0, 0, 0, 0, 10, 0x54]
        let info = unknown.withUnsafeBytes { decoder.appendJSON($0, to: &out) }
        XCTAssertEqual(info.kind, .base64)
        XCTAssertEqual(info.note, "schema id 10 is not in the registry")
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "{\"base64\":\"AAAAAApU\"}")
    }
}

extension AvroTestDataTests {
    /// A JSON Schema subject frames JSON text: the frame is stripped, the JSON shown as is.
    func testConfluentFramedJSONSchemaValues() throws {
        var registry = SchemaRegistry()
        registry.register(RegisteredSchema(id: 4, subject: "j-value", version: 1, deleted: false, body: RegisteredSchema.body(schemaType: "JSON", schema: "{}")))
        let decoder = try ValueDecoder(DecoderOptions(registry: registry))
        var out: [UInt8] = []
        let info = ([0, 0, 0, 0, 4] + Array(#"{"a": 1}"#.utf8)).withUnsafeBytes { decoder.appendJSON($0, to: &out) }
        XCTAssertEqual(info.kind, .framedJSON)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"{"a": 1}"#)
        XCTAssertEqual(info.schemaLabel, "json-schema (id 4, j-value v1)")
    }
}
