/// A consumer's place in a consumer group (`consume --group`): which partitions of the topic it
/// reads, where each continues (the group's commits) and where its commits go. The consume loop
/// reads through this for every backend, so it stays one loop:
///
/// - the embedded log and JetStream have no live membership: `StandaloneGroupMembership` owns every
///   partition asked for, reads and writes commits through `LogSource.commit`, never rebalances;
/// - a Kafka cluster makes the consumer a member of the classic group protocol: the group's leader
///   splits the partitions among its members, and `needsRejoin` turns true when a member joins or
///   leaves, after which the reader commits, calls `rejoin` and reads its new partitions.
public protocol GroupMembership: AnyObject {
    var group: String { get }
    /// The partitions this member reads now.
    var assignment: [TopicPartition] { get }
    /// True once the group moved partitions (a member joined, left or expired): commit, then `rejoin`.
    var needsRejoin: Bool { get }
    /// Joins again after a rebalance began; the new assignment.
    func rejoin() throws -> [TopicPartition]
    /// The group's committed offsets (the next offset to read) for the assigned partitions.
    func committedOffsets() throws -> [TopicPartition: Offset]
    /// Commits the next offsets to read. A commit the group refuses because it is rebalancing is
    /// not an error: it returns false (the partition's next owner reads those events again, as
    /// Kafka's at-least-once delivery does) and `needsRejoin` is true.
    @discardableResult
    func commit(_ offsets: [TopicPartition: Offset]) throws -> Bool
    /// Leaves the group; later calls do nothing. Bounded by the backend's request timeout.
    func leave()
}

/// Membership without a coordinator: every partition asked for, commits through the source.
public final class StandaloneGroupMembership: GroupMembership {
    public let group: String
    public let assignment: [TopicPartition]
    private let source: LogSource

    /// Throws the source's reason when it keeps no commits (a captured dir, JetStream), before
    /// anything is read.
    public init(source: LogSource, group: String, partitions: [TopicPartition]) throws {
        if !source.canCommitGroups { try source.commit(group: group, offsets: [:]) }
        self.source = source
        self.group = group
        assignment = partitions
    }

    public var needsRejoin: Bool { false }
    public func rejoin() throws -> [TopicPartition] { assignment }

    public func committedOffsets() throws -> [TopicPartition: Offset] {
        try source.consumerGroups()[group] ?? [:]
    }

    public func commit(_ offsets: [TopicPartition: Offset]) throws -> Bool {
        try source.commit(group: group, offsets: offsets)
        return true
    }

    public func leave() {}
}
