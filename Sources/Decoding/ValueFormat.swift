/// How the bytes of a topic's values (or keys) are read: `--value-format` / `--key-format`.
public enum ValueFormat: String, CaseIterable, Sendable {
    /// Confluent framing with a known schema → Avro or Protobuf; valid JSON → JSON; UTF-8 → a
    /// string; anything else → {"base64": …}.
    case auto
    /// JSON as is (other bytes as a string or base64, with a note).
    case json
    /// Avro: Confluent-framed with the registry's schema for its id, or unframed with `--schema`.
    case avro
    /// Protobuf: schema-driven with `--proto-desc` (Confluent framing honoured), else raw.
    case protobuf
    /// UTF-8 text as a JSON string (else base64).
    case string
    /// Lowercase hex digits as a JSON string.
    case hex
}
