import EventLog

/// Keeps `groups/.live-members` (LiveGroupMembers) in step with the coordinator: called on the
/// expiry tick, writes only when the counts changed. A failed write is logged, never fatal: the
/// file only lets `groups reset` refuse while members consume.
final class LiveMembersPublisher: @unchecked Sendable {
    private let logDirectory: String
    private let logger: @Sendable (String) -> Void
    private var published: [String: Int]?

    init(logDirectory: String, logger: @escaping @Sendable (String) -> Void) {
        self.logDirectory = logDirectory
        self.logger = logger
    }

    /// Called from the one expiry queue only.
    func update(_ groups: GroupCoordinator) {
        var counts: [String: Int] = [:]
        for group in groups.snapshot() where group.members > 0 { counts[group.id] = group.members }
        guard counts != published else { return }
        do {
            try LiveGroupMembers.publish(counts, logDirectory: logDirectory)
            published = counts
        } catch {
            logger("cannot publish live group members: \(error)")
        }
    }
}
