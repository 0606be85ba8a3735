/// A message's header block, as HPUB sends and HMSG delivers it:
///
///     NATS/1.0[ <status> [<description>]]\r\n
///     <Name>: <value>\r\n          (zero or more; names repeat for multiple values)
///     \r\n
///
/// A status line without fields is how the server speaks on a subscription: 100 (idle heartbeat,
/// flow control), 404 (no messages), 408 (request timeout), 503 (no responders).
public struct NATSHeaders: Hashable, Sendable {
    public var status: Int?
    public var statusDescription: String
    /// In order, duplicates kept: Kafka headers repeat names too.
    public var fields: [(name: String, value: String)]

    public init(fields: [(name: String, value: String)] = [], status: Int? = nil, statusDescription: String = "") {
        self.fields = fields
        self.status = status
        self.statusDescription = statusDescription
    }

    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    public static func == (lhs: NATSHeaders, rhs: NATSHeaders) -> Bool {
        lhs.status == rhs.status && lhs.statusDescription == rhs.statusDescription
            && lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        for field in fields { hasher.combine(field.name); hasher.combine(field.value) }
    }

    /// The wire form. Names may not hold ':' or whitespace, values no CR or LF: the block is text.
    public func encoded() throws -> [UInt8] {
        var out = Array("NATS/1.0\r\n".utf8)
        for field in fields {
            guard !field.name.isEmpty, !field.name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 == 0x7F }) else {
                throw NATSError(.invalidArgument, "header name '\(field.name)' is empty or holds ':', a space or a control character")
            }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
                throw NATSError(.invalidArgument, "header '\(field.name)' has a line break in its value")
            }
            out += field.name.utf8
            out += [UInt8(ascii: ":"), UInt8(ascii: " ")]
            out += field.value.utf8
            out += [0x0D, 0x0A]
        }
        out += [0x0D, 0x0A]
        return out
    }

    /// Parses a whole header block (its length came from the HMSG line, already bounded).
    public init(parsing bytes: ArraySlice<UInt8>) throws {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A {
                lines.append(bytes[start..<index])
                index += 2
                start = index
                guard lines.count <= NATSLimits.headerFieldsMax + 2 else {
                    throw NATSError(.protocolViolation, "more than \(NATSLimits.headerFieldsMax) header lines")
                }
            } else {
                index += 1
            }
        }
        guard let first = lines.first, first.starts(with: "NATS/1.0".utf8) else {
            throw NATSError(.protocolViolation, "header block does not start with NATS/1.0")
        }
        let statusText = String(decoding: first.dropFirst(8), as: UTF8.self).trimmingSpaces
        if statusText.isEmpty {
            status = nil
            statusDescription = ""
        } else {
            let parts = statusText.split(separator: " ", maxSplits: 1)
            guard let code = Int(parts[0]) else { throw NATSError(.protocolViolation, "header status '\(statusText)' is not a number") }
            status = code
            statusDescription = parts.count > 1 ? String(parts[1]) : ""
        }
        fields = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw NATSError(.protocolViolation, "header line without ':'")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
            fields.append((name, value))
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }

    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && zip(utf8, other.utf8).allSatisfy { Self.lower($0) == Self.lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
}
