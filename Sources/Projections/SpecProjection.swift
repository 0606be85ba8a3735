import EventLog
import Payloads

/// A view defined by a one-line `ViewSpec`, e.g. `sum(amount) by account where type = "deposit"`.
public struct SpecProjection: Projection {
    /// One aggregate's running values.
    public struct Accumulator: Codable, Sendable, Hashable {
        public var count: Int64 = 0
        public var sum: Double = 0
        public var min: Double?
        public var max: Double?
        public var latest: String?
        public var distinct: Set<String> = []
    }

    /// One row: the events that reached it, then one accumulator per aggregate of the spec.
    public struct Entry: Codable, Sendable, Hashable {
        public var events: Int64 = 0
        public var aggregates: [Accumulator]
    }

    public typealias State = [String: Entry]
    public let spec: ViewSpec
    /// Distinct top-level JSON names the spec reads: gathered in one pass per event.
    private let topLevelNames: [String]

    public init(_ spec: ViewSpec) {
        precondition(!spec.isTable, "latest(*) by key is the table view (ViewCatalog opens TableProjection)")
        self.spec = spec
        var names: [String] = []
        func collect(_ field: ViewSpec.Field?) {
            if case let .json(path)? = field, !names.contains(path[0]) { names.append(path[0]) }
        }
        func collect(_ condition: ViewSpec.Condition?) {
            guard let condition else { return }
            switch condition {
            case let .compare(field, _, _), let .exists(field): collect(field)
            case let .not(inner): collect(inner)
            case let .and(left, right), let .or(left, right):
                collect(left)
                collect(right)
            }
        }
        for aggregate in spec.aggregates { collect(aggregate.field) }
        collect(spec.group)
        collect(spec.filter)
        collect(spec.negateWhen)
        topLevelNames = names
    }

    public init(parsing text: String) throws { self.init(try ViewSpec.parse(text)) }

    public var id: String { "spec-" + SnapshotStore.fnv64Hex(spec.source) }

    public var columns: [String] {
        [spec.group.map { "\($0)" } ?? "view"] + spec.aggregates.map(\.description) + ["events"]
    }

    public func makeInitialState() -> State { [:] }
    public func rowCount(of state: State) -> Int { state.count }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        var fields = Fields(names: topLevelNames, event: event)
        if let filter = spec.filter, !fields.holds(filter) { return .none }
        let group = spec.group.map { fields.text($0) ?? "(none)" } ?? "all"
        var entry = state[group] ?? Entry(aggregates: Array(repeating: Accumulator(), count: spec.aggregates.count))
        entry.events += 1
        // Evaluated at most once per event, and only when a sum or avg needs it.
        var negated: Bool?
        for (index, aggregate) in spec.aggregates.enumerated() {
            switch aggregate.function {
            case .count:
                if aggregate.field == nil || fields.value(aggregate.field!) != nil { entry.aggregates[index].count += 1 }
            case .sum, .avg, .min, .max:
                guard let number = fields.number(aggregate.field!) else { continue }
                var signed = number
                if let negateWhen = spec.negateWhen, aggregate.function == .sum || aggregate.function == .avg {
                    if negated == nil { negated = fields.holds(negateWhen) }
                    if negated! { signed = -number }
                }
                Self.add(signed, to: &entry.aggregates[index])
            case .latest:
                if let text = fields.text(aggregate.field!) { entry.aggregates[index].latest = text }
            case .distinct:
                if let text = fields.text(aggregate.field!) { entry.aggregates[index].distinct.insert(text) }
            }
        }
        state[group] = entry
        return .row(group)
    }

    private static func add(_ number: Double, to accumulator: inout Accumulator) {
        accumulator.count += 1
        accumulator.sum += number
        accumulator.min = Swift.min(accumulator.min ?? number, number)
        accumulator.max = Swift.max(accumulator.max ?? number, number)
    }

    public func rows(of state: State) -> [ViewRow] { state.keys.sorted().map { row($0, of: state)! } }

    public func row(_ key: String, of state: State) -> ViewRow? {
        guard let entry = state[key] else { return nil }
        let values = zip(spec.aggregates, entry.aggregates).map { aggregate, accumulator -> ViewValue in
            switch aggregate.function {
            case .count: return .int(accumulator.count)
            case .sum: return .double(accumulator.sum)
            case .avg: return accumulator.count == 0 ? .null : .double(accumulator.sum / Double(accumulator.count))
            case .min: return accumulator.min.map(ViewValue.double) ?? .null
            case .max: return accumulator.max.map(ViewValue.double) ?? .null
            case .latest: return accumulator.latest.map(ViewValue.text) ?? .null
            case .distinct: return .int(Int64(accumulator.distinct.count))
            }
        }
        return ViewRow(key: key, values: values + [.int(entry.events)])
    }
}

/// The fields of one event, read lazily: the first JSON access scans the value once and keeps the
/// raw bytes of every top-level name the spec uses.
private struct Fields {
    let names: [String]
    let event: EventView
    private var raws: [UnsafeRawBufferPointer?]?

    init(names: [String], event: EventView) {
        self.names = names
        self.event = event
    }

    enum Value {
        case raw(UnsafeRawBufferPointer)
        case text(String)
        case number(Double)
    }

    mutating func value(_ field: ViewSpec.Field) -> Value? {
        switch field {
        case .key: return event.keyText.map(Value.text)
        case .partition: return .number(Double(event.partition))
        case .offset: return .number(Double(event.offset.rawValue))
        case .timestamp: return .number(Double(event.timestamp.milliseconds))
        case let .header(name): return event.headerText(name).map(Value.text)
        case let .json(path):
            guard var raw = topLevel(path[0]) else { return nil }
            for name in path.dropFirst() {
                guard let inner = Array(name.utf8).withUnsafeBytes({ JSONScanner.member($0, in: raw) }) else { return nil }
                raw = inner
            }
            if raw.count == 4, raw.elementsEqual("null".utf8) { return nil }
            return .raw(raw)
        }
    }

    mutating func text(_ field: ViewSpec.Field) -> String? {
        switch value(field) {
        case let .raw(raw)?: return JSONFields.text(raw)
        case let .text(text)?: return text
        case let .number(number)?: return ViewValue.double(number).description
        case nil: return nil
        }
    }

    mutating func number(_ field: ViewSpec.Field) -> Double? {
        switch value(field) {
        case let .raw(raw)?: return JSONFields.number(raw)
        case let .text(text)?: return Double(text)
        case let .number(number)?: return number
        case nil: return nil
        }
    }

    private mutating func topLevel(_ name: String) -> UnsafeRawBufferPointer? {
        if raws == nil {
            var found = [UnsafeRawBufferPointer?](repeating: nil, count: names.count)
            if let bytes = event.value {
                let keys = names.map { Array($0.utf8) }
                JSONScanner.forEachRawMember(bytes) { key, raw in
                    if let slot = keys.firstIndex(where: { $0.elementsEqual(key) }), found[slot] == nil { found[slot] = raw }
                    return true
                }
            }
            raws = found
        }
        guard let slot = names.firstIndex(of: name) else { return nil }
        return raws![slot]
    }

    mutating func holds(_ condition: ViewSpec.Condition) -> Bool {
        switch condition {
        case let .exists(field): return value(field) != nil
        case let .not(inner): return !holds(inner)
        case let .and(left, right): return holds(left) && holds(right)
        case let .or(left, right): return holds(left) || holds(right)
        case let .compare(field, comparison, literal): return compare(field, comparison, literal)
        }
    }

    private mutating func compare(_ field: ViewSpec.Field, _ comparison: ViewSpec.Comparison, _ literal: ViewSpec.Literal) -> Bool {
        switch literal {
        case .null:
            let missing = value(field) == nil
            return comparison == .equal ? missing : comparison == .notEqual ? !missing : false
        case let .bool(expected):
            guard case let .raw(raw)? = value(field) else { return comparison == .notEqual }
            let matches = raw.elementsEqual((expected ? "true" : "false").utf8)
            return comparison == .equal ? matches : comparison == .notEqual ? !matches : false
        case let .number(expected):
            guard let actual = number(field) else { return comparison == .notEqual }
            return Self.order(actual < expected ? -1 : actual > expected ? 1 : 0, comparison, contains: String(actual).contains(String(expected)))
        case let .text(expected):
            guard let actual = text(field) else { return comparison == .notEqual }
            return Self.order(actual < expected ? -1 : actual > expected ? 1 : 0, comparison,
                              contains: actual.lowercased().contains(expected.lowercased()))
        }
    }

    private static func order(_ sign: Int, _ comparison: ViewSpec.Comparison, contains: Bool) -> Bool {
        switch comparison {
        case .equal: return sign == 0
        case .notEqual: return sign != 0
        case .less: return sign < 0
        case .lessOrEqual: return sign <= 0
        case .greater: return sign > 0
        case .greaterOrEqual: return sign >= 0
        case .contains: return contains
        }
    }
}
