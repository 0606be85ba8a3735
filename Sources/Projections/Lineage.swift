import EventLog

/// One event that changed a row: the audit trail behind a value.
public struct LineageEntry: Hashable, Sendable {
    public var event: MergeKey
    public var key: String?
    public var headers: [Header]
    public var value: String
    public var before: ViewRow?
    public var after: ViewRow?
    /// Change of the row's first numeric column (nil when not numeric).
    public var delta: Double?
    public var duplicate: Bool
    /// How the event changed the row, when the view says: `op=u` for a CDC change, `tombstone`.
    public var change: String?
    /// The view's columns just after this event (a `table` gains columns as fields appear).
    public var columns: [String] = []
}

extension LineageEntry {
    /// A row as lineage shows it: the first value, or with `wholeRow` (the `table` view, whose
    /// row is many fields) every non-null field as `{name: value, …}`.
    public static func text(of row: ViewRow?, columns: [String], wholeRow: Bool) -> String {
        guard let row else { return "-" }
        guard wholeRow else { return row.values.first?.description ?? "-" }
        return "{" + zip(columns.dropFirst(), row.values).filter { $0.1 != .null }.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
    }
}

/// A projection that names how an event changed its row (lineage shows it).
protocol ChangeLabeling {
    func changeLabel(_ event: EventView) -> String?
}

extension ViewRunner {
    /// Every event that changed row `rowKey`, with the row before and after, from the start of the
    /// log to `target`. Folds on its own (the runner's state is untouched); duplicates skipped by the
    /// idempotency window are listed with `duplicate` set and no change.
    public func lineage(of rowKey: String, to target: FoldTarget = .end) throws -> [LineageEntry] {
        let replay = try ViewRunner(log: source, topic: topic, projection: projection, snapshots: nil, snapshotEveryEvents: 0)
        var entries: [LineageEntry] = []
        while let (slot, event) = try replay.stream.peek() {
            if case let .event(limit) = target, event.mergeKey > limit { break }
            if case let .time(time) = target, event.timestamp > time { break }
            let before = projection.row(rowKey, of: replay.state)
            let duplicatesBefore = replay.progress.duplicatesSkipped
            let change = replay.fold(event)
            let duplicate = replay.progress.duplicatesSkipped > duplicatesBefore
            let valueText = (projection as? ValueTextProviding)?.valueText(event) ?? event.value.map { String(decoding: $0, as: UTF8.self) }
            let mentions = duplicate && (event.keyText == rowKey || valueText?.contains(rowKey) == true)
            if change.contains(rowKey) || mentions {
                let after = projection.row(rowKey, of: replay.state)
                let delta = after?.values.first?.number.map { $0 - (before?.values.first?.number ?? 0) }
                entries.append(LineageEntry(event: event.mergeKey, key: event.keyText, headers: event.record.headers(),
                                            value: valueText ?? "null",
                                            before: before, after: after, delta: duplicate ? 0 : delta, duplicate: duplicate,
                                            change: (projection as? ChangeLabeling)?.changeLabel(event),
                                            columns: projection.columns(of: replay.state)))
            }
            replay.stream.consume(slot)
        }
        return entries
    }
}
