/// The one error type of the Codecs module: what was being decoded, where, and what was expected.
/// Decoders throw it for bad input; callers show the record raw with `message` as the note.
public struct CodecError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The value ended before the schema said it would.
        case truncated
        /// Bytes that cannot be what the schema describes (bad union index, negative length, …).
        case malformed
        /// A count, length or depth past a limit in `CodecLimits`.
        case limitExceeded
        /// A schema (Avro JSON, descriptor set) that cannot be used.
        case badSchema
        /// A framed value whose schema id the registry does not know.
        case unknownSchema
        /// Bytes left over after the value: the schema does not describe them.
        case trailingBytes
        /// A schema file or registry export that could not be read.
        case io
    }

    public let code: Code
    public let message: String
    /// Byte position in the value (nil for schema and file errors).
    public let position: Int?

    public init(_ code: Code, _ message: String, at position: Int? = nil) {
        self.code = code
        self.message = message
        self.position = position
    }

    public var description: String {
        position.map { "\(message) (byte \($0))" } ?? message
    }
}
