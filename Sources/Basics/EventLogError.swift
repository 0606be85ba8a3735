/// The one error type of the engine: what went wrong, where (file and byte position when known),
/// and the underlying cause, phrased so a user can act on it.
public struct EventLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case corruptBatch          // CRC mismatch or a malformed batch inside a segment
        case corruptIndex          // an index file that can't be used
        case truncated             // a file ends in the middle of a batch
        case unsupportedCodec      // a compression codec this build can't decode
        case unsupportedFormat     // e.g. an unknown magic byte
        case io                    // a system call failed
        case locked                // another writer holds the log
        case readOnly              // a write was attempted on a read-only log
        case notFound              // unknown topic, partition, group, or missing directory
        case alreadyExists
        case invalidArgument       // bad offset, time, name, size…
        case offsetOutOfRange
        case corruptMetadata       // rewind.json or a group file that doesn't parse
    }

    public var code: Code
    public var message: String
    public var path: String?
    public var position: Int64?
    public var cause: String?

    public init(_ code: Code, _ message: String, path: String? = nil, position: Int64? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.position = position
        self.cause = cause
    }

    public var description: String {
        var text = ""
        if let path {
            text += path
            if let position { text += " at byte \(position)" }
            text += ": "
        }
        text += message
        if let cause { text += " (\(cause))" }
        return text
    }
}
