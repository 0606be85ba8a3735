/// A record header: Kafka header keys are strings, values are bytes or null.
public struct Header: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// What a producer appends: the log assigns the offset.
public struct ProducerRecord: Hashable, Sendable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [Header]
    public var timestamp: Timestamp

    public init(key: [UInt8]? = nil, value: [UInt8]?, headers: [Header] = [], timestamp: Timestamp) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// How a batch's timestamps were assigned (Kafka attribute bit 3).
public enum TimestampType: Int, Sendable, Codable {
    case createTime = 0
    case logAppendTime = 1
}

/// The batch-level facts a record inherits: shown in detail views and needed to reproduce what
/// Kafka's own tools print.
public struct BatchInfo: Hashable, Sendable {
    public var baseOffset: Offset
    public var lastOffset: Offset
    public var magic: Int8
    public var compression: CompressionCodec
    public var timestampType: TimestampType
    public var isTransactional: Bool
    public var isControl: Bool
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var partitionLeaderEpoch: Int32
    /// Byte position of the batch in its segment file.
    public var position: Int64
    public var sizeInBytes: Int
}

/// A decoded record that owns its bytes: for the CLI, the explorer and tests. Hot paths use
/// `RecordView` instead, which borrows from the mapped segment.
public struct Record: Hashable, Sendable {
    public var offset: Offset
    public var timestamp: Timestamp
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [Header]
    public var batch: BatchInfo

    public init(offset: Offset, timestamp: Timestamp, key: [UInt8]?, value: [UInt8]?, headers: [Header], batch: BatchInfo) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self.batch = batch
    }
}
