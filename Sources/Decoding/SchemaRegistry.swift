import EventLog
import Payloads

/// Schema id → schema, built offline from what a capture holds:
///
/// - the `_schemas` topic Confluent Schema Registry keeps (its whole state is that topic): keys
///   `{"keytype":"SCHEMA","subject":…,"version":…}`, values `{"subject","version","id","schema",
///   "schemaType"?,"deleted"?}`, replayed in offset order — a later record for the same subject and
///   version replaces the earlier one, a null value (tombstone) removes it (a hard delete), and
///   `"deleted": true` marks a soft delete; other key types (CONFIG, NOOP, DELETE_SUBJECT) change
///   no schema;
/// - a registry export: a JSON object of id → schema (the schema as a JSON string or object, or a
///   registry record with `schema`, `subject`, `version`, `schemaType`), or an array of registry
///   records with `id`.
public struct SchemaRegistry: Sendable {
    private var byID: [Int32: RegisteredSchema] = [:]

    public init() {}

    public subscript(id: Int32) -> RegisteredSchema? { byID[id] }
    public var isEmpty: Bool { byID.isEmpty }
    public var ids: [Int32] { byID.keys.sorted() }

    public mutating func register(_ schema: RegisteredSchema) { byID[schema.id] = schema }

    // MARK: The _schemas topic

    /// The registry state after replaying `_schemas` records (key and value bytes, in offset order).
    public static func fromSchemasTopic(_ records: [(key: [UInt8]?, value: [UInt8]?)]) -> SchemaRegistry {
        struct Entry { var subject: String; var version: Int; var id: Int32; var schema: String; var schemaType: String?; var deleted: Bool }
        var entries: [String: Entry] = [:] // "subject\u{0}version" → latest record
        var order: [String] = []
        for record in records {
            guard let keyBytes = record.key, let key = keyBytes.withUnsafeBytes({ JSONValue.parse($0) }),
                  key["keytype"]?.stringValue == "SCHEMA", let subject = key["subject"]?.stringValue, let version = key["version"]?.intValue else { continue }
            let slot = "\(subject)\u{0}\(version)"
            guard let valueBytes = record.value else {
                entries[slot] = nil
                continue
            }
            guard valueBytes.count <= CodecLimits.schemaBytesMax, let value = valueBytes.withUnsafeBytes({ JSONValue.parse($0) }),
                  let id = value["id"]?.intValue, let schema = value["schema"]?.stringValue, let id32 = Int32(exactly: id) else { continue }
            if entries[slot] == nil { order.append(slot) }
            entries[slot] = Entry(subject: subject, version: version, id: id32, schema: schema, schemaType: value["schemaType"]?.stringValue,
                                  deleted: value["deleted"]?.boolValue ?? false)
        }
        var registry = SchemaRegistry()
        // One id may serve several subjects: a live registration wins over a soft-deleted one.
        for slot in order {
            guard let entry = entries[slot] else { continue }
            if let existing = registry.byID[entry.id], !existing.deleted, entry.deleted { continue }
            registry.register(RegisteredSchema(id: entry.id, subject: entry.subject, version: entry.version, deleted: entry.deleted,
                                               body: RegisteredSchema.body(schemaType: entry.schemaType, schema: entry.schema)))
        }
        return registry
    }

    /// Reads the `_schemas` topic of `log` when it has one (nil when it has none).
    public static func fromSchemasTopic(in log: EventLog, topic: String = "_schemas") throws -> SchemaRegistry? {
        guard log.topics().contains(where: { $0.name == topic }) else { return nil }
        var records: [(key: [UInt8]?, value: [UInt8]?)] = []
        for partition in try log.partitions(of: topic) {
            try partition.forEachRecord(from: partition.startOffset) { view, batch in
                if !batch.header.isControl { records.append((view.key.map { Array($0) }, view.value.map { Array($0) })) }
                return true
            }
        }
        return fromSchemasTopic(records)
    }

    // MARK: Registry exports

    public static func fromExport(_ bytes: [UInt8], name: String) throws -> SchemaRegistry {
        guard bytes.count <= CodecLimits.schemaBytesMax else {
            throw CodecError(.limitExceeded, "\(name): \(bytes.count) bytes is past the \(CodecLimits.schemaBytesMax)-byte limit")
        }
        guard let json = bytes.withUnsafeBytes({ JSONValue.parse($0) }) else { throw CodecError(.badSchema, "\(name): not valid JSON") }
        var registry = SchemaRegistry()
        switch json {
        case let .object(members):
            for (key, value) in members {
                guard let id = Int32(key) else { throw CodecError(.badSchema, "\(name): key '\(key)' is not a schema id") }
                registry.register(try entry(value, id: id, name: name))
            }
        case let .array(records):
            for record in records {
                guard let id = record["id"]?.intValue.flatMap({ Int32(exactly: $0) }) else { throw CodecError(.badSchema, "\(name): a record without a numeric \"id\"") }
                registry.register(try entry(record, id: id, name: name))
            }
        default: throw CodecError(.badSchema, "\(name): expected an object of id → schema or an array of registry records")
        }
        return registry
    }

    private static func entry(_ value: JSONValue, id: Int32, name: String) throws -> RegisteredSchema {
        // A registry record has "schema" as a string; a bare Avro schema object has "type".
        if case .object = value, let schema = value["schema"]?.stringValue {
            return RegisteredSchema(id: id, subject: value["subject"]?.stringValue, version: value["version"]?.intValue,
                                    deleted: value["deleted"]?.boolValue ?? false,
                                    body: RegisteredSchema.body(schemaType: value["schemaType"]?.stringValue, schema: schema))
        }
        let text: String
        if case let .string(schema) = value { text = schema } else { text = value.jsonText }
        return RegisteredSchema(id: id, subject: nil, version: nil, deleted: false, body: RegisteredSchema.body(schemaType: nil, schema: text))
    }
}

extension JSONValue {
    /// Compact JSON text of the tree (for schemas given as objects rather than strings).
    var jsonText: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: JSONOutput.appendLiteral("null", to: &out)
        case let .bool(flag): flag ? JSONOutput.appendLiteral("true", to: &out) : JSONOutput.appendLiteral("false", to: &out)
        case let .number(number):
            if number == number.rounded(), abs(number) < 1e15 { JSONOutput.appendInt(Int64(number), to: &out) } else { JSONOutput.appendDouble(number, to: &out) }
        case let .string(text): JSONOutput.appendString(text, to: &out)
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONOutput.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
