/// Maximums for bytes read from the network. Every length or count in a request is checked against
/// these and against the bytes that remain before anything is allocated.
public enum KafkaLimits {
    /// Kafka's `socket.request.max.bytes` default (100 MiB): the largest frame a server reads.
    public static let frameBytesMax = 100 * 1024 * 1024
    /// Elements of one array. Each element takes at least one byte, so the bytes remaining bound a
    /// count too; this caps it further so that a hostile count in a 100 MiB frame cannot make a
    /// decoder spin through tens of millions of empty structs.
    public static let arrayCountMax = 1_000_000
    /// Tagged fields one struct may carry.
    public static let taggedFieldsMax = 1_000
}
