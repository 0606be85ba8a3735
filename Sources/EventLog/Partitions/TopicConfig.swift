/// A topic's settings, stored in `rewind.json`. Names follow Kafka's config keys.
public struct TopicConfig: Hashable, Sendable, Codable {
    public var partitions: Int32
    /// 0 keeps events forever (the seeds' event store); otherwise whole segments older than this go.
    public var retentionMs: Int64
    public var segmentBytes: Int
    /// Kafka's `cleanup.policy`; absent (every topic before compaction existed) means `delete`.
    public var cleanupPolicy: CleanupPolicy?
    /// Kafka's `delete.retention.ms`: how long the cleaner keeps a tombstone; absent means a day.
    public var deleteRetentionMs: Int64?
    /// Kafka's `min.cleanable.dirty.ratio`: `rewind compact` skips a partition until at least this
    /// share of its sealed records would go; absent means 0.5.
    public var minCleanableDirtyRatio: Double?
    /// Set while an import moves a staged topic into place; a writable open that finds it set
    /// removes the half-moved topic (see `EventLog.importTopic`).
    var importing: Bool?

    public init(partitions: Int32 = 1, retentionMs: Int64 = 0, segmentBytes: Int = Limits.segmentBytesDefault) {
        self.partitions = partitions
        self.retentionMs = retentionMs
        self.segmentBytes = segmentBytes
    }

    enum CodingKeys: String, CodingKey {
        case partitions
        case retentionMs = "retention.ms"
        case segmentBytes = "segment.bytes"
        case cleanupPolicy = "cleanup.policy"
        case deleteRetentionMs = "delete.retention.ms"
        case minCleanableDirtyRatio = "min.cleanable.dirty.ratio"
        case importing
    }

    public var policy: CleanupPolicy { cleanupPolicy ?? .delete }
    public var tombstoneRetentionMs: Int64 { deleteRetentionMs ?? Limits.deleteRetentionMsDefault }
    public var cleanableRatioMin: Double { minCleanableDirtyRatio ?? Limits.minCleanableDirtyRatioDefault }

    public func validate(topic: String) throws {
        guard partitions >= 1, partitions <= Limits.partitionsPerTopicMax else {
            throw EventLogError(.invalidArgument, "topic '\(topic)': partitions must be 1...\(Limits.partitionsPerTopicMax), got \(partitions)")
        }
        guard retentionMs >= 0 else {
            throw EventLogError(.invalidArgument, "topic '\(topic)': retention.ms must be ≥ 0 (0 keeps forever), got \(retentionMs)")
        }
        if let deleteRetentionMs, deleteRetentionMs < 0 {
            throw EventLogError(.invalidArgument, "topic '\(topic)': delete.retention.ms must be ≥ 0, got \(deleteRetentionMs)")
        }
        if let minCleanableDirtyRatio, !(0...1).contains(minCleanableDirtyRatio) {
            throw EventLogError(.invalidArgument, "topic '\(topic)': min.cleanable.dirty.ratio must be 0...1, got \(minCleanableDirtyRatio)")
        }
        guard segmentBytes >= Limits.segmentBytesMin, segmentBytes <= Limits.segmentBytesMax else {
            throw EventLogError(.invalidArgument, "topic '\(topic)': segment.bytes must be \(Limits.segmentBytesMin)...\(Limits.segmentBytesMax), got \(segmentBytes)")
        }
    }

    /// Kafka's legal topic names: ASCII letters, digits, '.', '_', '-'; not "." or "..".
    public static func validateName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard !name.isEmpty, name.utf8.count <= Limits.topicNameBytesMax, allowed, name != ".", name != ".." else {
            throw EventLogError(.invalidArgument, "invalid topic name '\(name)': use 1-\(Limits.topicNameBytesMax) of [A-Za-z0-9._-]")
        }
    }
}
