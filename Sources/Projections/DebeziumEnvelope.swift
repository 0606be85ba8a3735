import Payloads

/// A change event in Debezium's envelope, read out of an event's JSON value without copying:
///
///   {"before": {row}|null, "after": {row}|null, "op": "c"|"r"|"u"|"d"|"t", "ts_ms": …, "source": {"db", "table", …}}
///
/// also wrapped by Kafka Connect's JSON converter (schemas.enable=true) as
/// `{"schema": {…}, "payload": {envelope}}`, and the same JSON when the value was Avro (the Avro
/// decoder writes unions as their bare branch, so `after` is the row object either way).
///
/// A value counts as an envelope only when `op` is one of Debezium's row operations and `before` or
/// `after` is present: a plain changelog with an unrelated `op` field stays a plain row.
/// Heartbeat and logical-message events (`op: "m"`) are no row change.
struct DebeziumEnvelope {
    enum Operation: UInt8 {
        case create = 0x63 // c
        case read = 0x72 // r: snapshot of an existing row
        case update = 0x75 // u
        case delete = 0x64 // d
        case truncate = 0x74 // t

        var letter: String { String(UnicodeScalar(rawValue)) }
    }

    var operation: Operation
    /// The row before and after the change, nil when null or absent.
    var before: UnsafeRawBufferPointer?
    var after: UnsafeRawBufferPointer?
    var source: UnsafeRawBufferPointer?

    /// The envelope in `value`, nil when `value` is not one.
    static func parse(_ value: UnsafeRawBufferPointer) -> DebeziumEnvelope? {
        parse(value, wrapped: false)
    }

    private static func parse(_ value: UnsafeRawBufferPointer, wrapped: Bool) -> DebeziumEnvelope? {
        var op: UnsafeRawBufferPointer?
        var before: UnsafeRawBufferPointer?, after: UnsafeRawBufferPointer?, source: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer?
        var hasRow = false, hasSchema = false
        let isObject = JSONScanner.forEachRawMember(value) { key, raw in
            if JSONFields.keyEquals(key, "op") { op = raw }
            else if JSONFields.keyEquals(key, "before") { before = raw; hasRow = true }
            else if JSONFields.keyEquals(key, "after") { after = raw; hasRow = true }
            else if JSONFields.keyEquals(key, "source") { source = raw }
            else if JSONFields.keyEquals(key, "payload") { payload = raw }
            else if JSONFields.keyEquals(key, "schema") { hasSchema = true }
            return true
        }
        guard isObject else { return nil }
        if op == nil, !wrapped, hasSchema, let payload { return parse(payload, wrapped: true) }
        guard hasRow, let op, let letter = JSONScanner.plainStringContents(op), letter.count == 1,
              let operation = Operation(rawValue: letter[0]) else { return nil }
        return DebeziumEnvelope(operation: operation, before: nonNull(before), after: nonNull(after), source: nonNull(source))
    }

    /// `db.table` from `source` (Postgres adds `schema`, but Debezium's topic and the brief of a
    /// table both name it by database and table); nil when the source names neither.
    var tableName: String? {
        guard let source else { return nil }
        let db = JSONScanner.member("db", in: source).flatMap(JSONFields.text)
        let table = JSONScanner.member("table", in: source).flatMap(JSONFields.text)
        switch (db, table) {
        case let (db?, table?): return db + "." + table
        case let (nil, table?): return table
        case let (db?, nil): return db
        case (nil, nil): return nil
        }
    }

    private static func nonNull(_ raw: UnsafeRawBufferPointer?) -> UnsafeRawBufferPointer? {
        guard let raw, !(raw.count == 4 && raw.elementsEqual("null".utf8)) else { return nil }
        return raw
    }
}
