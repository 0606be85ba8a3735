/// What changed in a view between two positions of its topic: the rows added, removed and
/// changed, each with its fields before and after. Both sides come from `rewind(to:)`, so with
/// snapshots a diff of two far times costs two restores and two short replays, not two folds.
public struct RowDiff: Hashable, Sendable {
    public enum Change: String, Hashable, Sendable { case added, removed, changed }

    /// A named cell: a row's fields in its view's column order.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: ViewValue
    }

    public var key: String
    public var change: Change
    public var before: [Field]?
    public var after: [Field]?

    /// The fields whose value differs, with the numeric change when both sides are numbers.
    public var changedFields: [(name: String, before: ViewValue, after: ViewValue, delta: Double?)] {
        let old = Dictionary((before ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary((after ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var names = (after ?? []).map(\.name)
        for field in before ?? [] where new[field.name] == nil { names.append(field.name) }
        return names.compactMap { name in
            let was = old[name] ?? .null, now = new[name] ?? .null
            guard was != now else { return nil }
            let delta = now.number.flatMap { after in was.number.map { after - $0 } }
            return (name, was, now, delta)
        }
    }
}

public enum ViewDiff {
    /// `view` as of `from` and as of `to`, compared (the view is left as of `to`).
    public static func between(_ view: MaterializedView, from: FoldTarget, to: FoldTarget) throws -> [RowDiff] {
        try view.rewind(to: from)
        let before = fields(view.rows(), columns: view.columns)
        try view.rewind(to: to)
        return compare(before: before, after: fields(view.rows(), columns: view.columns))
    }

    /// Rows as named fields; nulls are left out, so a column that appeared later (a `table` seeing
    /// a new field) is no change for rows that lack it.
    public static func fields(_ rows: [ViewRow], columns: [String]) -> [String: [RowDiff.Field]] {
        var result: [String: [RowDiff.Field]] = [:]
        result.reserveCapacity(rows.count)
        for row in rows {
            result[row.key] = zip(columns.dropFirst(), row.values).compactMap { $0.1 == .null ? nil : RowDiff.Field(name: $0.0, value: $0.1) }
        }
        return result
    }

    /// Added, removed and changed rows, by key.
    public static func compare(before: [String: [RowDiff.Field]], after: [String: [RowDiff.Field]]) -> [RowDiff] {
        var diffs: [RowDiff] = []
        for (key, new) in after {
            guard let old = before[key] else {
                diffs.append(RowDiff(key: key, change: .added, before: nil, after: new))
                continue
            }
            if Set(old) != Set(new) { diffs.append(RowDiff(key: key, change: .changed, before: old, after: new)) }
        }
        for (key, old) in before where after[key] == nil { diffs.append(RowDiff(key: key, change: .removed, before: old, after: nil)) }
        return diffs.sorted { $0.key < $1.key }
    }
}
