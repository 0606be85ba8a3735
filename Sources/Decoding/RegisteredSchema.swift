/// One schema the registry knows: its id, where it came from, and the parsed form when Rewind can
/// use it directly.
public struct RegisteredSchema: Sendable {
    public enum Body: Sendable {
        case avro(AvroSchema)
        /// A Protobuf schema (its .proto text is not parsed: values decode with `--proto-desc`,
        /// else raw).
        case protobuf(source: String)
        /// JSON Schema: the framed payload is JSON text, shown as is (not validated against it).
        case json
        /// A schema that failed to parse or a type Rewind does not know; values show raw with this note.
        case unusable(reason: String)
    }

    public let id: Int32
    public let subject: String?
    public let version: Int?
    /// Soft-deleted in the registry: no longer a version of its subject, but records written with
    /// it still decode (the registry itself still serves deleted schemas by id).
    public let deleted: Bool
    public let body: Body

    public init(id: Int32, subject: String?, version: Int?, deleted: Bool, body: Body) {
        self.id = id
        self.subject = subject
        self.version = version
        self.deleted = deleted
        self.body = body
    }

    /// Builds the body from a registry record's `schemaType` (absent means AVRO) and schema text.
    public static func body(schemaType: String?, schema: String) -> Body {
        switch schemaType?.uppercased() ?? "AVRO" {
        case "AVRO":
            do { return .avro(try AvroSchemaParser.parse(schema)) } catch { return .unusable(reason: "Avro schema does not parse: \(error)") }
        case "PROTOBUF": return .protobuf(source: schema)
        case "JSON": return .json
        case let other: return .unusable(reason: "\(other) schemas are not decoded")
        }
    }

    /// "bank.Payment (id 2, payments-avro-value v2)": how the explorer and notes name it.
    public var label: String {
        var parts = ["id \(id)"]
        if let subject { parts.append(version.map { "\(subject) v\($0)" } ?? subject) }
        if deleted { parts.append("deleted") }
        let name: String
        switch body {
        case let .avro(schema): name = schema.name
        case .protobuf: name = "protobuf"
        case .json: name = "json-schema"
        case .unusable: name = "schema"
        }
        return "\(name) (\(parts.joined(separator: ", ")))"
    }
}
