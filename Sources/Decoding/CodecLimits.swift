/// Every bound the decoders apply to captured bytes, in one place. Input is hostile until proven
/// otherwise: a length or count read from it is checked against the bytes that remain, and these
/// limits cap what cannot be checked that way.
public enum CodecLimits {
    /// Nesting of records/arrays/maps/unions (Avro) and messages (Protobuf) while decoding. A
    /// recursive schema (a linked list) could otherwise recurse once per input byte and overflow
    /// the stack; 128 levels is far past any real payload, and keeps the JSON written (at most two
    /// levels per Protobuf message: object and repeated array) inside JSONScanner's 512.
    public static let depthMax = 128
    /// Items whose encoding takes zero bytes (nulls, empty records) across one value. Their block
    /// counts cannot be checked against the remaining bytes, and each still costs output: 65,536
    /// of them is at most ~0.5 MB of JSON from a few input bytes.
    public static let zeroSizeItemsMax = 65_536
    /// Schema text (Avro JSON, a registry record, a descriptor set file).
    public static let schemaBytesMax = 16 << 20
    /// Nodes in one parsed Avro schema (types, counting each use of a named type once).
    public static let schemaNodesMax = 100_000
    /// Decimal digits rendered for an Avro decimal: 128 bytes of unscaled value is ~309 digits.
    public static let decimalBytesMax = 128
    /// Confluent protobuf message-index arrays (nesting path of the message in its file).
    public static let messageIndexesMax = 64
}
