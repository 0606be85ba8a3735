/// The one error type of the Kafka client: what failed, against which broker or topic, phrased as
/// one line a user can act on ("kafka://127.0.0.1:9092: connection refused").
public struct KafkaClientError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case unreachable         // no broker of the list accepted a connection
        case timeout             // no answer in time
        case connectionLost      // the socket closed with requests in flight
        case protocolViolation   // a frame that does not decode, or past a limit
        case unsupportedVersion  // the broker does not speak a version this client needs
        case broker              // the broker answered with an error code
        case invalidArgument
        case closed              // used after close()
    }

    public var code: Code
    public var message: String
    /// `kafka://HOST:PORT`, or a topic/group the error is about.
    public var target: String?
    /// Kafka's error code when the broker gave one.
    public var kafkaErrorCode: Int16?

    public init(_ code: Code, _ message: String, target: String? = nil, kafkaErrorCode: Int16? = nil) {
        self.code = code
        self.message = message
        self.target = target
        self.kafkaErrorCode = kafkaErrorCode
    }

    public var description: String {
        guard let target else { return message }
        return "\(target): \(message)"
    }
}
