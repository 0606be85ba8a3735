/// Who sent a request, for logs, DescribeGroups' client host and the explorer's client pane.
public struct ClientInfo: Sendable, Hashable {
    public var connectionId: Int
    /// Host and port, for logs.
    public var remoteAddress: String
    /// The host alone, as DescribeGroups reports a member's client host (Kafka writes "/127.0.0.1").
    public var host: String

    public init(connectionId: Int, remoteAddress: String, host: String) {
        self.connectionId = connectionId
        self.remoteAddress = remoteAddress
        self.host = host
    }
}
