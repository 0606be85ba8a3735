/// Kafka's 128-bit UUID (topic ids): two big-endian 64-bit halves on the wire; all zeros means none.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public static let zero = KafkaUUID(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var description: String {
        let hex = String(high, radix: 16) + "/" + String(low, radix: 16)
        return hex
    }
}
