/// The one error type of the NATS module: what went wrong, against which server or stream, and
/// the server's own words when it gave any. `description` is one line a user can act on.
public struct NATSError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case unreachable          // no server of the list accepted a connection
        case authorization        // the server refused the credentials
        case protocolViolation    // bytes that are not the NATS protocol, or past a limit
        case timeout              // no reply in time
        case noResponders         // nobody subscribes to the subject (503)
        case jetStreamDisabled    // the server or account has no JetStream
        case streamNotFound
        case consumerNotFound
        case api                  // any other $JS.API error reply
        case invalidArgument      // a bad URL, subject or header
        case closed               // the connection was closed by us
    }

    public var code: Code
    public var message: String
    /// The server or stream concerned, e.g. `nats://127.0.0.1:4222` or `stream ORDERS`.
    public var target: String?

    public init(_ code: Code, _ message: String, target: String? = nil) {
        self.code = code
        self.message = message
        self.target = target
    }

    public var description: String {
        guard let target else { return message }
        return "\(target): \(message)"
    }
}
