/// Why bytes from the wire are not a valid Kafka message. Thrown, never trapped on: a server answers
/// or drops the one connection, the process goes on.
public enum KafkaDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes remain than the field needs.
    case truncated(field: String, needed: Int, remaining: Int)
    /// A length or count is negative (and not the null marker where null is allowed) or above a limit.
    case lengthOutOfRange(field: String, length: Int64)
    /// A varint runs past 5 bytes (32-bit) or 10 bytes (64-bit).
    case varintTooLong
    /// A string's bytes are not UTF-8.
    case invalidUTF8(field: String)
    /// Null where this version does not allow it.
    case unexpectedNull(field: String)
    /// Bytes remain after the message's last field.
    case trailingBytes(Int)
    case unsupportedVersion(apiKey: Int16, version: Int16)

    public var description: String {
        switch self {
        case let .truncated(field, needed, remaining): return "\(field): needs \(needed) bytes, \(remaining) remain"
        case let .lengthOutOfRange(field, length): return "\(field): length \(length) out of range"
        case .varintTooLong: return "varint longer than its type allows"
        case let .invalidUTF8(field): return "\(field): string is not UTF-8"
        case let .unexpectedNull(field): return "\(field): null where this version does not allow it"
        case let .trailingBytes(count): return "\(count) bytes after the last field"
        case let .unsupportedVersion(apiKey, version): return "API \(apiKey) version \(version) is not supported"
        }
    }
}
