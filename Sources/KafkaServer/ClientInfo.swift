/// Who sent a request, for logs, DescribeGroups' client host and the explorer's client pane.
public struct ClientInfo: Sendable, Hashable {
    public var connectionId: Int
    public var remoteAddress: String

    public init(connectionId: Int, remoteAddress: String) {
        self.connectionId = connectionId
        self.remoteAddress = remoteAddress
    }
}
