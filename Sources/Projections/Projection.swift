/// A cell of a view's table.
public enum ViewValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case text(String)
    /// A nested JSON value (object or array), compact: the `table` view shows it as it is and
    /// `--format json` splices it in rather than quoting it.
    case json(String)
    case null

    public var description: String {
        switch self {
        case let .int(value): return String(value)
        case let .double(value):
            let rounded = (value * 100).rounded() / 100
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
        case let .text(value), let .json(value): return value
        case .null: return "-"
        }
    }

    /// The number a lineage adds up, when the cell is numeric.
    public var number: Double? {
        switch self {
        case let .int(value): return Double(value)
        case let .double(value): return value
        case .text, .json, .null: return nil
        }
    }
}

/// One row of a view: its key, then one value per column after the key column.
public struct ViewRow: Hashable, Sendable {
    public var key: String
    public var values: [ViewValue]
    public init(key: String, values: [ViewValue]) {
        self.key = key
        self.values = values
    }
}

/// Which rows an event changed.
public enum RowChange: Hashable, Sendable {
    case none
    case row(String)
    case rows([String])

    public var keys: [String] {
        switch self {
        case .none: return []
        case let .row(key): return [key]
        case let .rows(keys): return keys
        }
    }

    public func contains(_ key: String) -> Bool {
        switch self {
        case .none: return false
        case let .row(changed): return changed == key
        case let .rows(changed): return changed.contains(key)
        }
    }
}

/// A materialized view: a pure fold of events into a state that lists as rows. `apply` must depend
/// on the event and the state only (no clock, no I/O), so a rebuild always gives the same state and
/// snapshot + replay equals a full replay.
public protocol Projection: Sendable {
    associatedtype State: Codable & Sendable
    /// What `prepare` reads out of an event without the state; Void for views that prepare nothing.
    associatedtype Prepared = Void

    /// Stable identity: names the snapshot directory and the consumer group ("view.<id>").
    var id: String { get }
    /// Column names; the first names the row key.
    var columns: [String] { get }
    /// Columns as of `state`: views whose columns come from the data (`table`) override this.
    func columns(of state: State) -> [String]
    /// A line about what the rows are (the `table` view of CDC names the source table), or nil.
    func caption(of state: State) -> String?
    func makeInitialState() -> State
    func apply(_ event: EventView, to state: inout State) -> RowChange
    func rows(of state: State) -> [ViewRow]
    func row(_ key: String, of state: State) -> ViewRow?
    /// How many rows `state` holds: what copying it costs. The runner spaces its in-memory
    /// checkpoints and its snapshots by it, so a 1M-row table is not copied every 2,000 events.
    func rowCount(of state: State) -> Int
    /// How many events ahead the runner hints `prefetch` (within a batch); 0, the default: never.
    var prefetchDistance: Int { get }
    /// A hint that `event` is folded `prefetchDistance` events from now: a state larger than the
    /// caches may start loading what that event will touch, so the miss overlaps the folds in
    /// between. Must change nothing `apply`, `rows` or equality can see.
    func prefetch(_ event: EventView, in state: inout State)
    /// The part of folding `event` that needs no state (parsing its value), which a pipelined
    /// fold runs on another core ahead of `apply(_:prepared:to:)`. Must be pure: the runner may
    /// call it on any thread, and for any event it may fold or skip (a duplicate).
    func prepare(_ event: EventView) -> Prepared
    /// `apply(event, to:)` given what `prepare(event)` returned; the two must agree exactly.
    func apply(_ event: EventView, prepared: Prepared, to state: inout State) -> RowChange
    /// `apply(event, to:)` for a caller that does not ask which rows changed (a bulk fold): the
    /// same state, without making the change's row keys.
    func applyDiscardingChange(_ event: EventView, to state: inout State)
}

extension Projection {
    @inline(__always)
    public func applyDiscardingChange(_ event: EventView, to state: inout State) { _ = apply(event, to: &state) }
}

extension Projection where Prepared == Void {
    @inline(__always)
    public func prepare(_ event: EventView) {}
    @inline(__always)
    public func apply(_ event: EventView, prepared: Void, to state: inout State) -> RowChange { apply(event, to: &state) }
}

extension Projection {
    public func columns(of state: State) -> [String] { columns }
    public func caption(of state: State) -> String? { nil }
    public var prefetchDistance: Int { 0 }
    public func prefetch(_ event: EventView, in state: inout State) {}
}
