/// Bounds of the client: every wait has a timeout, every list from the wire or the user a maximum.
public enum KafkaClientLimits {
    public static let bootstrapBrokersMax = 64
    /// A response frame larger than this ends the connection: Fetch answers are capped at
    /// `fetchBytesMax` plus headers, every other response is small.
    public static let responseBytesMax = 128 << 20
    /// Bytes asked for per partition and per Fetch: 8 MiB holds thousands of typical records
    /// while a slow connection still answers within the request timeout.
    public static let fetchBytesMax: Int32 = 8 << 20
    public static let fetchPartitionBytesMax: Int32 = 8 << 20
    /// Retries of a request after a leader change or a lost connection, with backoff.
    public static let retriesMax = 6
    public static let backoffMsInitial = 50
    public static let backoffMsMax = 1_000
    /// Pipelined requests on one connection.
    public static let inFlightMax = 64
}
