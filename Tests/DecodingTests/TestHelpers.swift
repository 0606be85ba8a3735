import Decoding
import Foundation
import XCTest

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let kafkaTestData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/testdata/kafka").standardized.path

    static func json(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try XCTUnwrap(JSONValue.parse(String(decoding: data, as: UTF8.self)), "\(name) is not JSON")
    }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }
}

func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// JSON equality as a reader sees it: object members in any order, numbers within a relative
/// 1e-6 (floats written by Python as doubles of a float32, printed here as the float).
func jsonEquivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case let (.number(x), .number(y)): return x == y || abs(x - y) <= 1e-6 * max(abs(x), abs(y))
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy(jsonEquivalent)
    case let (.object(x), .object(y)):
        guard x.count == y.count else { return false }
        return x.allSatisfy { member in y.contains { $0.0 == member.0 && jsonEquivalent($0.1, member.1) } }
    default: return a == b
    }
}

func assertJSONEquivalent(_ actual: String, _ expected: JSONValue, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let parsed = JSONValue.parse(actual) else { return XCTFail("\(message): output is not JSON: \(actual)", file: file, line: line) }
    XCTAssertTrue(jsonEquivalent(parsed, expected), "\(message):\n got  \(actual)\n want \(expected.compactText)", file: file, line: line)
}

extension JSONValue {
    var compactText: String {
        switch self {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .number(number): return "\(number)"
        case let .string(text): return "\"\(text)\""
        case let .array(elements): return "[" + elements.map(\.compactText).joined(separator: ",") + "]"
        case let .object(members): return "{" + members.map { "\"\($0.0)\":\($0.1.compactText)" }.joined(separator: ",") + "}"
        }
    }

    var arrayValue: [JSONValue] {
        if case let .array(elements) = self { return elements }
        return []
    }
}
