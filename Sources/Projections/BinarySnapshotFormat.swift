/// The byte layout of binary snapshots (`BinarySnapshotEncoder` writes it, `BinarySnapshotDecoder`
/// reads it): a magic, then one tagged value.
///
/// Why not JSON: restoring a snapshot is on the explorer's key path, and `JSONDecoder` took
/// 3.9 ms for the balances view's 300 accounts plus its dedupe window (a 138 KB file), most of a
/// 5 ms key → frame budget; each number was formatted as text on the way out and parsed back.
///
/// Values, each a tag byte then:
/// - `null`, `false`, `true`: nothing;
/// - `int`: a zigzag varint; `uint`: a varint (UInt64 past Int64.max);
/// - `double`: 8 bytes, little-endian IEEE 754 (every bit pattern kept, NaN and -0 included);
/// - `string`: varint byte count, UTF-8;
/// - `blob`: varint byte count, bytes (`[UInt8]`, `Data`, and `[UInt64]` little-endian: a dedupe
///   window of 10,000 fingerprints is one memcpy, not 10,000 values);
/// - `array`, `map`: a 4-byte little-endian byte count of the body, a varint element count, then
///   the elements (a map's as key string, value). The byte count lets a reader skip a value
///   without walking it, so a keyed container finds its members in one pass.
enum BinarySnapshotFormat {
    static let magic: [UInt8] = Array("RWSNAP1\n".utf8)

    enum Tag: UInt8 {
        case null = 0, `false`, `true`, int, uint, double, string, blob, array, map
    }

    /// Nesting deeper than this is refused (a corrupt file must not overflow the stack).
    static let depthMax = 256
}
