import Payloads
@testable import Projections
import TestSupport
import XCTest

/// `KnownFieldsScan`, the `table` fold's scan of values shaped like the rows before them, against
/// the general member walk it stands in for (`JSONScanner.forEachRawMember`).
final class KnownFieldsScanTests: XCTestCase {
    static let fields = ["id", "name", "status", "amount", "a-rather-long-field-name", "zoë"]

    func matches(_ value: [UInt8], _ fields: [String]) -> Bool {
        var tokens = KnownFieldsScan.Tokens()
        for field in fields { tokens.append(field) }
        return value.withUnsafeBytes { KnownFieldsScan.matches($0, tokens) }
    }

    /// The general walk: nil when `value` is not an object, else its raw keys in order.
    func walkedKeys(_ value: [UInt8]) -> [String]? {
        var keys: [String] = []
        let isObject = value.withUnsafeBytes { bytes in
            JSONScanner.forEachRawMember(bytes) { key, _ in
                keys.append(String(decoding: key, as: UTF8.self))
                return true
            }
        }
        return isObject ? keys : nil
    }

    func randomScalar(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return String(Int.random(in: -99_999...99_999, using: &random))
        case 1: return ["0", "-0", "1.5", "-2.25e10", "3E+2", "4e-3", "0.0"][Int.random(in: 0..<7, using: &random)]
        case 2: return ["true", "false", "null"][Int.random(in: 0..<3, using: &random)]
        case 3: return #""a \"quoted\" word and a back\\slash""#
        case 4: return "\"" + String(repeating: "long text ", count: Int.random(in: 0..<6, using: &random)) + "\""
        case 5: return #""ends in a backslash\\""#
        case 6: return #"{"nested": [1, {"x": "}"}]}"#
        case 7: return "[1, 2, \"]\"]"
        default: return "\"Zoë \\u00e9 \(Int.random(in: 0..<100, using: &random))\""
        }
    }

    /// An object (keys mostly the field list's first ones in order, sometimes others, spaced
    /// every way JSON allows), then maybe damaged: truncated, a byte changed, or garbage after it.
    func randomValue(_ random: inout SeededRandom) -> [UInt8] {
        let spaces = [" ", "", "", "\n", "\t ", "\r\n"]
        func space() -> String { spaces[Int.random(in: 0..<spaces.count, using: &random)] }
        var keys = Array(Self.fields.prefix(Int.random(in: 0...Self.fields.count, using: &random)))
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where keys.count > 1: keys.swapAt(0, keys.count - 1)
        case 1: keys.append(["other", "id", "name\\\"", "stat"][Int.random(in: 0..<4, using: &random)])
        default: break
        }
        let members = keys.map { space() + "\"\($0)\"" + space() + ":" + space() + randomScalar(&random) + space() }
        var bytes = Array((space() + "{" + members.joined(separator: ",") + (members.isEmpty ? space() : "") + "}").utf8)
        switch Int.random(in: 0..<8, using: &random) {
        case 0 where !bytes.isEmpty: bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
        case 1 where !bytes.isEmpty:
            let bytePool: [UInt8] = Array("{}[]\",:\\ 0-.eE9atfnu".utf8) + [0x00, 0xFF]
            bytes[Int.random(in: 0..<bytes.count, using: &random)] = bytePool[Int.random(in: 0..<bytePool.count, using: &random)]
        case 2: bytes += Array(" trailing".utf8)
        default: break
        }
        return bytes
    }

    /// On random values, `matches` is true exactly when the general walk accepts the value as an
    /// object with scalar values whose keys are the field list's first ones in order.
    func testAgreesWithTheGeneralWalkProperty() throws {
        var random = SeededRandom.fromEnvironment()
        var matched = 0, objects = 0
        for step in 0..<40_000 {
            let value = randomValue(&random)
            let fields = Array(Self.fields.prefix(Int.random(in: 0...Self.fields.count, using: &random)))
            let keys = walkedKeys(value)
            let scalarsOnly = value.withUnsafeBytes { bytes in
                JSONScanner.forEachRawMember(bytes) { _, raw in raw.first != UInt8(ascii: "{") && raw.first != UInt8(ascii: "[") }
            }
            let expected = keys.map { $0.count <= fields.count && Array(fields.prefix($0.count)) == $0 } == true && scalarsOnly
            XCTAssertEqual(matches(value, fields), expected, "step \(step): \(String(decoding: value, as: UTF8.self)) with fields \(fields)")
            if expected { matched += 1 }
            if keys != nil { objects += 1 }
        }
        // The generator reaches both sides often.
        XCTAssertGreaterThan(matched, 4_000)
        XCTAssertGreaterThan(objects - matched, 4_000)
    }

    func testEdgeCases() {
        let fields = ["id", "name"]
        XCTAssertTrue(matches(Array("{}".utf8), fields))
        XCTAssertTrue(matches(Array(" { } ".utf8), []))
        XCTAssertTrue(matches(Array(#"{"id":1,"name":"x"}"#.utf8), fields))
        XCTAssertTrue(matches(Array(#"{"id":1}"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"{"name":"x"}"#.utf8), fields), "out of order")
        XCTAssertFalse(matches(Array(#"{"id":1,"name":"x","extra":2}"#.utf8), fields), "a key not in the list")
        XCTAssertFalse(matches(Array(#"{"id":01}"#.utf8), fields), "a leading zero")
        XCTAssertFalse(matches(Array(#"{"id":1.}"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"{"id":-}"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"{"id":1,}"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"{"id":"abc\"}"#.utf8), fields), "the quote is escaped: the string never ends")
        XCTAssertTrue(matches(Array(#"{"id":"abcdefgh\\","name":"12345678\"9"}"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"{"id":{"a":1}}"#.utf8), fields), "nested values are the general walk's")
        XCTAssertFalse(matches(Array(#"{"id":tru}"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"{"id":1"#.utf8), fields))
        XCTAssertFalse(matches(Array(#"["id"]"#.utf8), fields))
        XCTAssertFalse(matches([], fields))
    }

    func testOnlyNamesWithoutEscapesAreTokens() {
        XCTAssertTrue(KnownFieldsScan.isPlain("customer id"))
        XCTAssertTrue(KnownFieldsScan.isPlain("zoë"))
        XCTAssertFalse(KnownFieldsScan.isPlain("a\"b"))
        XCTAssertFalse(KnownFieldsScan.isPlain("a\\b"))
        XCTAssertFalse(KnownFieldsScan.isPlain("tab\there"))
    }
}
