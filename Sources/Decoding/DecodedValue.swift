/// What a decoder made of one value, beside the JSON it wrote: how it was read and, for schema'd
/// values, which schema — the explorer shows it in the detail title and `consume` in the envelope.
public struct DecodedValue: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case null, json, avro, protobuf, protobufRaw = "protobuf-raw", string, hex, base64
        /// JSON behind a Confluent frame (a JSON Schema subject): the frame is stripped.
        case framedJSON = "json-schema"
    }

    public var kind: Kind
    public var schemaID: Int32?
    /// "bank.Payment (id 2, payments-avro-value v2)", or the Protobuf message's full name.
    public var schemaLabel: String?
    /// Why the value is shown raw (unknown schema id, bytes the schema does not describe).
    public var note: String?

    public init(kind: Kind, schemaID: Int32? = nil, schemaLabel: String? = nil, note: String? = nil) {
        self.kind = kind
        self.schemaID = schemaID
        self.schemaLabel = schemaLabel
        self.note = note
    }

    /// True when the JSON is not the value's own bytes (Avro, Protobuf, hex): a view must read the
    /// decoded text, and `--raw` would print something different.
    public var isTransformed: Bool {
        switch kind {
        case .avro, .protobuf, .protobufRaw, .hex, .framedJSON: return true
        case .null, .json, .string, .base64: return false
        }
    }
}
