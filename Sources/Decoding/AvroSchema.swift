/// A parsed Avro schema, flattened for decoding: every type is a `Node` in one array, and named
/// types referenced by name (including recursively) point at their node's index. Record fields,
/// union branches and enum symbols live in side arrays, and every name the decoder prints is kept
/// pre-encoded as JSON bytes (`"name":`, `"SYMBOL"`), so decoding copies bytes and allocates nothing
/// per field. Parse one with `AvroSchemaParser`.
public struct AvroSchema: Sendable {
    enum Kind: UInt8, Sendable {
        case null, boolean, int, long, float, double, bytes, string, record, enumeration, array, map, union, fixed
    }

    /// Logical types rendered readably; unknown ones are ignored as the spec requires.
    enum Logical: UInt8, Sendable {
        case none, decimal, uuid, date, timeMillis, timeMicros, timestampMillis, timestampMicros
        case localTimestampMillis, localTimestampMicros, duration
    }

    struct Node: Sendable {
        var kind: Kind
        var logical: Logical = .none
        /// record: first field; enum: first symbol; union: first branch; array/map: item node.
        var first: Int = 0
        /// record: fields; enum: symbols; union: branches; fixed: size in bytes.
        var count: Int = 0
        /// decimal: digits after the point.
        var scale: Int = 0
        /// Fewest bytes an encoded value of this type takes: block counts are checked against it.
        var minBytes: Int = 0
    }

    struct Field: Sendable {
        /// `"name":` in `text`.
        var key: Range<Int>
        var type: Int
    }

    var nodes: [Node]
    var fields: [Field]
    var branches: [Int]
    /// `"SYMBOL"` of each enum symbol in `text`.
    var symbols: [Range<Int>]
    var text: [UInt8]
    let root: Int

    /// Full name of the top-level type when it is named (`bank.Payment`), else its type name.
    public let name: String
    /// The schema's canonical-ish JSON as given (for display).
    public let source: String
}
