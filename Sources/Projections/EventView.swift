import EventLog

/// Where an event sits in the deterministic fold order of a topic: by timestamp, then partition,
/// then offset. Every view folds in this order, so a rebuild reproduces the same state.
public struct MergeKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var timestamp: Int64
    public var partition: Int32
    public var offset: Int64

    public init(timestamp: Int64, partition: Int32, offset: Int64) {
        self.timestamp = timestamp
        self.partition = partition
        self.offset = offset
    }

    public static func < (lhs: MergeKey, rhs: MergeKey) -> Bool {
        (lhs.timestamp, lhs.partition, lhs.offset) < (rhs.timestamp, rhs.partition, rhs.offset)
    }

    public var description: String { "\(partition)@\(offset) (t=\(timestamp))" }
}

/// One event as a projection sees it: bytes borrowed from the log, valid during `apply` only.
public struct EventView {
    public let partition: Int32
    public let record: RecordView

    /// The value a projection reads: the record's own bytes, or its decoded JSON (Avro,
    /// Protobuf) when the topic has a decoder — see `DecodedProjection`.
    public let value: UnsafeRawBufferPointer?

    public init(partition: Int32, record: RecordView) {
        self.partition = partition
        self.record = record
        self.value = record.value
    }

    /// The same event with `value` replaced by its decoded JSON (valid while `value` is).
    public init(partition: Int32, record: RecordView, decodedValue: UnsafeRawBufferPointer) {
        self.partition = partition
        self.record = record
        self.value = decodedValue
    }

    public var offset: Offset { record.offset }
    public var timestamp: Timestamp { record.timestamp }
    public var key: UnsafeRawBufferPointer? { record.key }
    public var mergeKey: MergeKey { MergeKey(timestamp: record.timestamp.milliseconds, partition: partition, offset: record.offset.rawValue) }

    /// The value of header `name` as text (nil when absent or null).
    public func headerText(_ name: String) -> String? {
        guard let found = record.header(named: name), let bytes = found else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
