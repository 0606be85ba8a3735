import Decoding
import Foundation
import XCTest

/// Fixtures written by fastavro (and hand-encoded block forms), see Fixtures/make_fixtures.py.
final class AvroFixtureTests: XCTestCase {
    func testEveryTypeAndLogicalTypeMatchesFastavro() throws {
        let groups = try Fixtures.json("avro-cases.json").arrayValue
        XCTAssertEqual(groups.count, 4)
        var checked = 0
        for group in groups {
            let name = group["name"]!.stringValue!
            let schema = try AvroSchemaParser.parse(group["schema"]!.jsonTextForTests)
            for (index, testCase) in group["cases"]!.arrayValue.enumerated() {
                let bytes = hexBytes(testCase["hex"]!.stringValue!)
                assertJSONEquivalent(try AvroDecoder.decode(bytes, schema: schema), testCase["expected"]!, "\(name) #\(index)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 8)
    }

    /// Every prefix of every fixture value is refused with a CodecError (never a crash), and so
    /// is the value with a byte appended.
    func testEveryTruncationIsACleanError() throws {
        for group in try Fixtures.json("avro-cases.json").arrayValue {
            let schema = try AvroSchemaParser.parse(group["schema"]!.jsonTextForTests)
            for testCase in group["cases"]!.arrayValue {
                let bytes = hexBytes(testCase["hex"]!.stringValue!)
                for cut in 0..<bytes.count {
                    XCTAssertThrowsError(try AvroDecoder.decode(Array(bytes[..<cut]), schema: schema)) { error in
                        XCTAssertTrue(error is CodecError)
                    }
                }
                XCTAssertThrowsError(try AvroDecoder.decode(bytes + [0], schema: schema)) { error in
                    XCTAssertEqual((error as? CodecError)?.code, .trailingBytes)
                }
            }
        }
    }

    /// One topic, two writer schemas (ids 7 and 9) from a registry export: each record decodes
    /// with its own id's schema.
    func testSchemaEvolutionThroughARegistryExport() throws {
        let registry = try SchemaRegistry.fromExport(try Fixtures.bytes("registry-export.json"), name: "registry-export.json")
        XCTAssertEqual(registry.ids, [7, 9])
        XCTAssertEqual(registry[9]?.subject, "pay-value")
        let decoder = try ValueDecoder(DecoderOptions(format: .avro, registry: registry))
        for testCase in try Fixtures.json("evolution-cases.json").arrayValue {
            let bytes = hexBytes(testCase["hex"]!.stringValue!)
            var out: [UInt8] = []
            let info = bytes.withUnsafeBytes { decoder.appendJSON($0, to: &out) }
            XCTAssertEqual(info.kind, .avro)
            XCTAssertEqual(info.schemaID.map(Int.init), testCase["id"]!.intValue)
            assertJSONEquivalent(String(decoding: out, as: UTF8.self), testCase["expected"]!, "id \(info.schemaID ?? -1)")
        }
    }

    /// Hostile counts and lengths: refused at once, without allocating or looping for them.
    func testHostileCountsAndLengths() throws {
        let arrayOfNulls = try AvroSchemaParser.parse(#"{"type":"array","items":"null"}"#)
        // count 2^62 of zero-byte items, then the end marker
        XCTAssertThrowsError(try AvroDecoder.decode([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0], schema: arrayOfNulls))
        let arrayOfLongs = try AvroSchemaParser.parse(#"{"type":"array","items":"long"}"#)
        XCTAssertThrowsError(try AvroDecoder.decode([0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 2, 0], schema: arrayOfLongs)) { error in
            XCTAssertEqual((error as? CodecError)?.code, .truncated)
        }
        let string = try AvroSchemaParser.parse(#""string""#)
        XCTAssertThrowsError(try AvroDecoder.decode([0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x41], schema: string))
        XCTAssertThrowsError(try AvroDecoder.decode([0x01], schema: string)) { error in // length −1
            XCTAssertEqual((error as? CodecError)?.code, .malformed)
        }
        // A recursive schema nested past the depth limit: an error, not a stack overflow.
        let list = try AvroSchemaParser.parse(#"{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}"#)
        XCTAssertThrowsError(try AvroDecoder.decode([UInt8](repeating: 2, count: 100_000) + [0], schema: list)) { error in
            XCTAssertEqual((error as? CodecError)?.code, .limitExceeded)
        }
        XCTAssertThrowsError(try AvroSchemaParser.parse(#"{"type":"record","name":"R","fields":[{"name":"x","type":"Missing"}]}"#))
    }
}

extension JSONValue {
    /// Schemas in the fixtures are JSON objects; the parser takes text.
    var jsonTextForTests: String {
        switch self {
        case let .string(text): return "\"\(text)\""
        default: return compactText
        }
    }
}

extension AvroFixtureTests {
    /// `--schema` files: unframed values decode with them; `<id>.avsc` serves only that id.
    func testForcedSchemasForUnframedAndFramedValues() throws {
        let long = try AvroSchemaParser.parse(#""long""#)
        let text = try AvroSchemaParser.parse(#""string""#)
        let decoder = try ValueDecoder(DecoderOptions(format: .avro, avroSchemas: [(id: 5, schema: text), (id: nil, schema: long)]))
        func decode(_ bytes: [UInt8]) -> (String, DecodedValue) {
            var out: [UInt8] = []
            let info = bytes.withUnsafeBytes { decoder.appendJSON($0, to: &out) }
            return (String(decoding: out, as: UTF8.self), info)
        }
        XCTAssertEqual(decode([0x54]).0, "42")
        XCTAssertEqual(decode([0, 0, 0, 0, 5, 0x04, 0x68, 0x69]).0, "\"hi\"")
        XCTAssertEqual(decode([0, 0, 0, 0, 6, 0x54]).0, "42", "other ids get the unnamed schema")
        let (raw, info) = decode([0x80])
        XCTAssertEqual(raw, "{\"base64\":\"gA==\"}")
        XCTAssertNotNil(info.note)
    }
}
