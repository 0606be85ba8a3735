import Decoding
import Foundation
import XCTest

/// Protobuf fixtures from protoc and Google's runtime (Fixtures/make_fixtures.py): schema-driven
/// decodes match the runtime's own reading of each message; raw decodes match `protoc --decode_raw`.
final class ProtobufFixtureTests: XCTestCase {
    func schemaSet() throws -> ProtobufSchemaSet { try ProtobufSchemaSet(descriptorSet: try Fixtures.bytes("order.desc")) }

    func testSchemaDrivenDecodeMatchesTheProtobufRuntime() throws {
        let set = try schemaSet()
        let fixtures = try Fixtures.json("protobuf-cases.json")
        let cases = fixtures["cases"]!.arrayValue
        XCTAssertEqual(cases.count, 4)
        for (index, testCase) in cases.enumerated() {
            let decoded = try ProtobufDecoder.decode(hexBytes(testCase["hex"]!.stringValue!), message: "shop.Order", in: set)
            assertJSONEquivalent(decoded, testCase["expected"]!, "order #\(index)")
        }
    }

    func testRawDecodeMatchesProtocDecodeRaw() throws {
        for (index, testCase) in try Fixtures.json("protobuf-cases.json")["cases"]!.arrayValue.enumerated() {
            let decoded = try ProtobufRawDecoder.decode(hexBytes(testCase["hex"]!.stringValue!))
            assertJSONEquivalent(decoded, testCase["raw"]!, "order #\(index)")
        }
    }

    /// Confluent framing: schema id, then message indexes ([0] as one 0 byte, or [1, 0]: the
    /// first type nested in the second message), then the message.
    func testConfluentFramedProtobuf() throws {
        let decoder = try ValueDecoder(DecoderOptions(format: .protobuf, protobuf: try schemaSet(), protoMessage: "shop.Order"))
        let framed = try Fixtures.json("protobuf-cases.json")["confluent"]!.arrayValue
        let labels = ["shop.Order (id 3)", "shop.Order.Note (id 3)"]
        for (testCase, label) in zip(framed, labels) {
            var out: [UInt8] = []
            let info = hexBytes(testCase["hex"]!.stringValue!).withUnsafeBytes { decoder.appendJSON($0, to: &out) }
            XCTAssertEqual(info.kind, .protobuf)
            XCTAssertEqual(info.schemaLabel, label)
            assertJSONEquivalent(String(decoding: out, as: UTF8.self), testCase["expected"]!, label)
        }
    }

    func testEveryTruncationIsACleanErrorOrAShorterMessage() throws {
        let set = try schemaSet()
        for testCase in try Fixtures.json("protobuf-cases.json")["cases"]!.arrayValue {
            let bytes = hexBytes(testCase["hex"]!.stringValue!)
            for cut in 0..<bytes.count {
                // A cut between fields is a valid shorter message; inside one it must throw.
                do { _ = try ProtobufDecoder.decode(Array(bytes[..<cut]), message: "shop.Order", in: set) } catch { XCTAssertTrue(error is CodecError) }
                do { _ = try ProtobufRawDecoder.decode(Array(bytes[..<cut])) } catch { XCTAssertTrue(error is CodecError) }
            }
        }
        XCTAssertThrowsError(try ProtobufRawDecoder.decode([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])) // length past the end
        XCTAssertThrowsError(try ProtobufRawDecoder.decode([0x00, 0x01])) // field number 0
        XCTAssertThrowsError(try ProtobufRawDecoder.decode([0x0B])) // start group
        var deep: [UInt8] = []
        for _ in 0..<200 { deep = [0x0A] + varint(deep.count) + deep }
        XCTAssertEqual(try ProtobufRawDecoder.decode(deep).hasPrefix("{\"1\":{\"1\":"), true, "too deep to be a message: shown as bytes at the limit")
    }

    func varint(_ value: Int) -> [UInt8] {
        var value = UInt64(value)
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return out + [UInt8(value)]
    }
}
