/// Kafka's `cleanup.policy`: what may remove a topic's old records. `delete` drops whole segments
/// past `retention.ms`; `compact` keeps the latest record of each key (LogCleaner); both together
/// compact and also drop segments past retention, as Kafka does for `compact,delete`.
public enum CleanupPolicy: String, Codable, Sendable, CaseIterable {
    case delete
    case compact
    case compactDelete = "compact,delete"

    public var compacts: Bool { self != .delete }
    public var deletes: Bool { self != .compact }

    /// Kafka's spellings: `delete`, `compact`, and the list `compact,delete` in either order.
    public init(parsing text: String) throws {
        let parts = Set(text.split(separator: ",").map { String($0.filter { $0 != " " }) })
        switch parts {
        case ["delete"]: self = .delete
        case ["compact"]: self = .compact
        case ["compact", "delete"]: self = .compactDelete
        default:
            throw EventLogError(.invalidArgument, "cleanup policy '\(text)' is not one of delete, compact, compact,delete")
        }
    }
}
