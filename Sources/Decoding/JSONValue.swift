import Payloads

/// A small JSON tree for the texts that are not hot: Avro schemas, registry records and exports.
/// Built on the strict `JSONScanner`, so it accepts exactly what it accepts; depth is bounded by
/// the scanner's `maxDepth`.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order (Avro field order is meaningful; duplicate names kept).
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses one JSON text; nil when it is not valid JSON.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        guard JSONScanner.isValid(bytes) else { return nil }
        return build(trimmed(bytes))
    }

    public static func parse(_ text: String) -> JSONValue? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    public subscript(_ name: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    public var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    public var intValue: Int? {
        if case let .number(number) = self, number == number.rounded(), abs(number) < 1e15 { return Int(number) }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(flag) = self { return flag }
        return nil
    }

    // The input was validated as a whole, so the walks below cannot fail part way.
    private static func build(_ raw: UnsafeRawBufferPointer) -> JSONValue {
        switch raw.first {
        case UInt8(ascii: "{"):
            var members: [(String, JSONValue)] = []
            JSONScanner.forEachMember(raw) { key, range in
                members.append((key, build(UnsafeRawBufferPointer(rebasing: raw[range]))))
                return true
            }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            JSONScanner.forEachElement(raw) { range in
                elements.append(build(UnsafeRawBufferPointer(rebasing: raw[range])))
                return true
            }
            return .array(elements)
        case UInt8(ascii: "\""): return .string(JSONScanner.decodeString(raw) ?? "")
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        default: return .number(JSONScanner.number(raw) ?? 0)
        }
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
