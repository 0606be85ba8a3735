/// A record's position within one partition: dense from the log-start offset, never reused.
public struct Offset: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ value: Int64) { self.rawValue = value }

    public static let zero = Offset(0)
    public static func < (lhs: Offset, rhs: Offset) -> Bool { lhs.rawValue < rhs.rawValue }
    public func advanced(by count: Int64) -> Offset { Offset(rawValue + count) }
    public var description: String { String(rawValue) }
}

/// Milliseconds since the Unix epoch, as Kafka stores them.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(milliseconds: Int64) { self.rawValue = milliseconds }

    public var milliseconds: Int64 { rawValue }
    public static let min = Timestamp(milliseconds: Int64.min)
    public static let max = Timestamp(milliseconds: Int64.max)
    /// Kafka's "no timestamp" marker (-1).
    public static let none = Timestamp(milliseconds: -1)
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }
    public func adding(milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: rawValue &+ milliseconds) }
    public var description: String { String(rawValue) }
}

/// A topic and one of its partitions.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Kafka's directory name: `<topic>-<partition>`.
    public var directoryName: String { "\(topic)-\(partition)" }
    public var description: String { directoryName }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// Parses `<topic>-<partition>`; the topic may itself contain dashes, so the last one splits.
    public init?(directoryName: String) {
        guard let dash = directoryName.lastIndex(of: "-") else { return nil }
        let topic = String(directoryName[..<dash])
        guard !topic.isEmpty, let partition = Int32(directoryName[directoryName.index(after: dash)...]),
              partition >= 0 else { return nil }
        self.init(topic: topic, partition: partition)
    }
}
