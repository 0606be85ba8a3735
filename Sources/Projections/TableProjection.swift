import CPrefetch
import EventLog
import Payloads

/// The `table` view: the latest value per key, for any topic — the table side of the
/// stream–table duality (a changelog or compacted topic read as the table it describes).
///
/// - A record with a null value (a tombstone) deletes its key's row; records without a key are no
///   row (Kafka's compaction refuses them too).
/// - JSON object values become columns: the top-level fields in the order first seen, at most
///   `ProjectionLimits.tableColumnsMax`; nested objects and arrays show compact. Any other value
///   (text, a number, bytes) is the row's one `value` column.
/// - CDC: a topic whose first value is a Debezium envelope folds as the source table: `c`/`r`/`u`
///   set the row to `after`, `d` and tombstones delete it, `t` (truncate) empties the table. The
///   mode is decided once per topic so a fold never depends on anything but the events folded.
///
/// The state keeps each row as its JSON text, not as cells, in one byte arena (`TableRows`):
/// folding 10M events copies each value's bytes once and allocates nothing per event; cells are
/// made only for the rows shown.
public struct TableProjection: Projection, ChangeLabeling {
    public enum Mode: String, Codable, Sendable { case plain, cdc }

    public struct State: Codable, Sendable, Equatable {
        /// Row key → the row as a JSON object's text (`after` for CDC).
        public var rows = TableRows()
        /// Column names after the key, first seen first.
        public private(set) var fields: [String] = []
        /// More fields were seen than `ProjectionLimits.tableColumnsMax`.
        public var fieldsDropped = false
        /// Decided by the first non-null value.
        public var mode: Mode?
        /// `source.db`.`source.table` of the change events, first seen first.
        public var sourceTables: [String] = []
        /// `fields` in UTF-8, back to back (field i ends at `fieldEnds[i]`): each event's member
        /// keys are compared with these bytes, where comparing with the Strings retained and
        /// released one per field per event.
        private var fieldBytes: [UInt8] = []
        private var fieldEnds: [Int] = []
        /// The leading fields whose names need no escape, quoted as member keys are written
        /// (`"id"`), for `KnownFieldsScan`.
        private var knownFieldTokens = KnownFieldsScan.Tokens()

        public init() {}

        enum CodingKeys: String, CodingKey { case rows, fields, fieldsDropped, mode, sourceTables }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            rows = try container.decode(TableRows.self, forKey: .rows)
            fieldsDropped = try container.decode(Bool.self, forKey: .fieldsDropped)
            mode = try container.decodeIfPresent(Mode.self, forKey: .mode)
            sourceTables = try container.decode([String].self, forKey: .sourceTables)
            for name in try container.decode([String].self, forKey: .fields) { appendField(name) }
        }

        mutating func appendField(_ name: String) {
            if knownFieldTokens.count == fields.count, KnownFieldsScan.isPlain(name) { knownFieldTokens.append(name) }
            fields.append(name)
            fieldBytes.append(contentsOf: name.utf8)
            fieldEnds.append(fieldBytes.count)
        }

        /// Whether `value` is an object whose keys are, in order, fields this state knows: then
        /// folding it notes no field.
        @inline(__always)
        func hasKnownFields(_ value: UnsafeRawBufferPointer) -> Bool { KnownFieldsScan.matches(value, knownFieldTokens) }

        /// Whether field `index` is spelled exactly `raw`.
        @inline(__always)
        func field(_ index: Int, equals raw: UnsafeRawBufferPointer) -> Bool {
            let start = index == 0 ? 0 : fieldEnds[index - 1]
            guard fieldEnds[index] - start == raw.count else { return false }
            for offset in 0..<raw.count where fieldBytes[start + offset] != raw[offset] { return false }
            return true
        }
    }

    public static let name = "table"
    /// The column of values that are not JSON objects.
    static let valueColumn = "value"

    public init() {}
    public var id: String { Self.name }
    public var columns: [String] { ["key"] }
    public func columns(of state: State) -> [String] { ["key"] + state.fields }
    public func makeInitialState() -> State { State() }

    /// What the rows are: "CDC of bank.customers" for change events, nil for a plain changelog.
    public func caption(of state: State) -> String? {
        guard state.mode == .cdc else { return nil }
        return state.sourceTables.isEmpty ? "CDC table" : "CDC table " + state.sourceTables.joined(separator: ", ")
    }

    /// Far enough ahead that the slot's miss is over when its entry is hinted (8 events later,
    /// `TableRows.PrefetchQueue.depth`) and the entry's when the event is folded, near enough that
    /// what it loaded is still in L1/L2. 10M events over 1M keys under `perf record`: 3.1 s with 24
    /// and with 16 (no difference shown); 2.8 s with 24 without `perf`.
    public var prefetchDistance: Int { 24 }

    /// Loads the slot and entry of a plain changelog's key ahead of its update (`TableRows.prefetch`),
    /// and the value's first lines for the scan: a batch (~1 MB here) is read twice, for its CRC
    /// and its records, before the fold reaches its last records, out of L2 by then.
    public func prefetch(_ event: EventView, in state: inout State) {
        guard state.mode == .plain, let key = event.key else { return }
        state.rows.prefetch(key)
        if let value = event.value?.baseAddress {
            rewind_prefetch_read(value)
            rewind_prefetch_read(value + 64)
        }
    }

    /// The plain changelog's fold without a String per event for the changed row's key (6.5% of
    /// a 10M-event rebuild, perf); CDC events take `apply`.
    public func applyDiscardingChange(_ event: EventView, to state: inout State) {
        guard state.mode == .plain, let key = event.key else {
            _ = apply(event, to: &state)
            return
        }
        _ = applyPlain(key, event.value, to: &state)
    }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        if let value = event.value {
            if state.mode == nil { state.mode = DebeziumEnvelope.parse(value) != nil ? .cdc : .plain }
            if state.mode == .cdc {
                // Heartbeats and logical messages (`op: "m"`) share CDC topics and change no row.
                guard let envelope = DebeziumEnvelope.parse(value) else { return .none }
                return applyChange(envelope, key: event.key, to: &state)
            }
        }
        guard let key = event.key else { return .none }
        return applyPlain(key, event.value, to: &state) ? .row(String(decoding: key, as: UTF8.self)) : .none
    }

    /// A record of a plain changelog, or a tombstone (whatever the mode): sets or removes the row
    /// of `key`; true when a row changed.
    private func applyPlain(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?, to state: inout State) -> Bool {
        guard let value else { return state.rows.remove(key) }
        setRow(key, value, in: &state)
        return true
    }

    /// Removes the row of `key` (text) for a change event.
    private func removeRow(_ key: String, in state: inout State) -> RowChange {
        var key = key
        let removed = key.withUTF8 { state.rows.remove(UnsafeRawBufferPointer($0)) }
        return removed ? .row(key) : .none
    }

    private func applyChange(_ envelope: DebeziumEnvelope, key rawKey: UnsafeRawBufferPointer?, to state: inout State) -> RowChange {
        if let table = envelope.tableName, !state.sourceTables.contains(table), state.sourceTables.count < ProjectionLimits.cdcSourceTablesMax {
            state.sourceTables.append(table)
        }
        if envelope.operation == .truncate {
            let keys = state.rows.keys
            state.rows.removeAll()
            return keys.isEmpty ? .none : .rows(keys.sorted())
        }
        guard var key = Self.changeKey(rawKey) else { return .none }
        switch envelope.operation {
        case .create, .read, .update:
            if let after = envelope.after {
                key.withUTF8 { setRow(UnsafeRawBufferPointer($0), after, in: &state) }
                return .row(key)
            }
            // An update without `after` (a table without REPLICA IDENTITY FULL never sends one
            // for deletes, but a broken connector might): the row is gone.
            return removeRow(key, in: &state)
        case .delete, .truncate:
            return removeRow(key, in: &state)
        }
    }

    /// The row key of a change event: the Kafka key as text, with the JSON converter's
    /// `{"schema":…,"payload":…}` wrapper taken off (the payload is the primary key; the schema
    /// is the same on every event and would make every key 300 bytes of noise).
    static func changeKey(_ raw: UnsafeRawBufferPointer?) -> String? {
        guard let raw else { return nil }
        if raw.first == UInt8(ascii: "{"), let payload = JSONScanner.member("payload", in: raw), JSONScanner.member("schema", in: raw) != nil {
            var out: [UInt8] = []
            JSONText.appendBytes(payload, embedJSON: true, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Stores the row of `key`, noting its fields; a value that is not an object is stored as
    /// `{"value": …}` so every row reads the same way.
    private func setRow(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, in state: inout State) {
        if state.fieldsDropped || state.fields.count >= ProjectionLimits.tableColumnsMax {
            // At the limit: no field can be added, so skip the scan (rows() copes with a bad object).
            if Self.startsObject(value) {
                state.rows.set(key, to: value)
                return
            }
        } else if state.hasKnownFields(value) {
            // Shaped like the rows before it (the usual case): a scan that checks each key where
            // the field list puts it, instead of walking members and looking each one up.
            state.rows.set(key, to: value)
            return
        } else {
            var position = 0
            let isObject = JSONScanner.forEachRawMember(value) { key, _ in
                Self.noteField(key, at: position, in: &state)
                position += 1
                return true
            }
            if isObject {
                state.rows.set(key, to: value)
                return
            }
        }
        Self.noteField(name: Self.valueColumn, in: &state)
        var out: [UInt8] = Array(#"{"value":"#.utf8)
        JSONText.appendBytes(value, embedJSON: true, to: &out)
        out.append(UInt8(ascii: "}"))
        out.withUnsafeBytes { state.rows.set(key, to: $0) }
    }

    @inline(__always)
    private static func noteField(_ rawKey: UnsafeRawBufferPointer, at position: Int, in state: inout State) {
        // Rows of one table share their field order: the field at the same position is the usual hit.
        if position < state.fields.count, state.field(position, equals: rawKey) { return }
        if state.fields.indices.contains(where: { state.field($0, equals: rawKey) }) { return }
        let name: String
        if rawKey.contains(UInt8(ascii: "\\")) {
            var quoted: [UInt8] = [UInt8(ascii: "\"")]
            quoted.append(contentsOf: rawKey)
            quoted.append(UInt8(ascii: "\""))
            guard let decoded = quoted.withUnsafeBytes(JSONScanner.decodeString) else { return }
            name = decoded
        } else {
            name = String(decoding: rawKey, as: UTF8.self)
        }
        noteField(name: name, in: &state)
    }

    private static func noteField(name: String, in state: inout State) {
        guard !state.fields.contains(name) else { return }
        guard state.fields.count < ProjectionLimits.tableColumnsMax else {
            state.fieldsDropped = true
            return
        }
        state.appendField(name)
    }

    private static func startsObject(_ value: UnsafeRawBufferPointer) -> Bool {
        for byte in value where byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 { return byte == UInt8(ascii: "{") }
        return false
    }

    // MARK: Rows

    public func rowCount(of state: State) -> Int { state.rows.count }

    public func rows(of state: State) -> [ViewRow] {
        state.rows.keys.sorted().map { row($0, of: state)! }
    }

    public func row(_ key: String, of state: State) -> ViewRow? {
        var values = [ViewValue](repeating: .null, count: state.fields.count)
        let found: Void? = state.rows.withValue(forKey: key) { bytes in
            let isObject = JSONScanner.forEachMember(bytes) { name, range in
                if let index = state.fields.firstIndex(of: name) { values[index] = Self.cell(UnsafeRawBufferPointer(rebasing: bytes[range])) }
                return true
            }
            // Only an object past the column limit is stored unchecked; show it whole rather than lose it.
            if !isObject, let index = state.fields.firstIndex(of: Self.valueColumn) {
                values[index] = .text(String(decoding: bytes, as: UTF8.self))
            }
        }
        return found == nil ? nil : ViewRow(key: key, values: values)
    }

    /// A JSON value as a cell: strings as their text, integers exact, nested values compact.
    static func cell(_ raw: UnsafeRawBufferPointer) -> ViewValue {
        switch raw.first {
        case UInt8(ascii: "\"")?: return .text(JSONScanner.decodeString(raw) ?? String(decoding: raw, as: UTF8.self))
        case UInt8(ascii: "{")?, UInt8(ascii: "[")?: return .json(compact(raw))
        case UInt8(ascii: "n")?: return .null
        case UInt8(ascii: "t")?, UInt8(ascii: "f")?: return .text(String(decoding: raw, as: UTF8.self))
        default:
            if let integer = JSONScanner.integer(raw) { return .int(integer) }
            if let number = JSONScanner.number(raw) { return .double(number) }
            return .text(String(decoding: raw, as: UTF8.self))
        }
    }

    /// A JSON value without the whitespace outside its strings: nested values take one cell.
    static func compact(_ raw: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var inString = false, escaped = false
        for byte in raw {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                out.append(byte)
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                out.append(byte)
            } else if byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Lineage

    /// How an event changed its row: Debezium's `op`, or set/tombstone for a plain changelog.
    func changeLabel(_ event: EventView) -> String? {
        guard let value = event.value else { return "tombstone" }
        if let envelope = DebeziumEnvelope.parse(value) { return "op=" + envelope.operation.letter }
        return "set"
    }
}

#if canImport(Glibc)
import Glibc
#endif
