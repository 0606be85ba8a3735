import Projections

/// The view as it was at a mark (`m`): the view pane then marks every row that changed since and
/// shows each changed field with its delta, until `m` again clears it. A value, taken from the
/// rows the pane already holds, so marking needs no fold and no I/O.
public struct ViewMark: Hashable, Sendable {
    public var asOf: String
    public var columns: [String]
    public var rows: [String: ViewRow]

    public init(asOf: String, columns: [String], rows: [ViewRow]) {
        self.asOf = asOf
        self.columns = columns
        self.rows = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// How `row` (under `columns`) differs from the mark: nil when unchanged, else its cells with
    /// each changed one as `new (+delta)` for numbers or `old→new`, and the key marked `+` (new
    /// since the mark) or `Δ` (changed).
    public func cells(_ row: ViewRow, columns current: [String]) -> [String]? {
        guard let old = rows[row.key] else { return ["+" + row.key] + row.values.map(\.description) }
        var changed = false
        let cells = row.values.enumerated().map { index, value -> String in
            let name = index + 1 < current.count ? current[index + 1] : ""
            let before = columns.firstIndex(of: name).flatMap { $0 >= 1 && $0 - 1 < old.values.count ? old.values[$0 - 1] : nil } ?? .null
            guard before != value else { return value.description }
            changed = true
            if let now = value.number, let was = before.number {
                let delta = now - was
                return "\(value) (\(delta >= 0 ? "+" : "")\(ViewValue.double(delta)))"
            }
            return "\(before)→\(value)"
        }
        return changed ? ["Δ" + row.key] + cells : nil
    }

    /// Rows at the mark that are gone now.
    public func removed(from current: [ViewRow]) -> [String] {
        let present = Set(current.map(\.key))
        return rows.keys.filter { !present.contains($0) }.sorted()
    }
}
