/// Every length read from the network is checked against one of these before anything is buffered.
public enum NATSLimits {
    /// A control line (INFO, MSG, HMSG, -ERR…). nats-server's own default max_control_line is 4 KiB;
    /// INFO lines of big clusters carry connect_urls, so allow 64 KiB before calling it garbage.
    public static let controlLineBytesMax = 64 << 10
    /// A message's headers plus payload: nats-server refuses max_payload above 64 MiB.
    public static let messageBytesMax = 64 << 20
    /// Header lines in one message.
    public static let headerFieldsMax = 1024
    /// Messages a subscription holds before the reader takes them: past this the subscription is
    /// a slow consumer and fails instead of growing without bound (nats.go's default is 512 Ki).
    public static let pendingMessagesMax = 1 << 19
    /// Servers remembered for reconnects (the user's list plus INFO connect_urls).
    public static let serversMax = 64
    /// Streams listed from one STREAM.LIST loop (256 per page on the server).
    public static let streamsListedMax = 100_000
}
