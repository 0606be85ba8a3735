/// A base-128 varint of at most 10 bytes (Protobuf's wire format, and under Avro's zigzag).
/// `truncated` says what the input ended inside.
@inline(__always)
func readVarint(_ bytes: UnsafeRawBufferPointer, _ position: inout Int, truncated: @autoclosure () -> String) throws -> UInt64 {
    var shift: UInt64 = 0
    var raw: UInt64 = 0
    while position < bytes.count {
        let byte = bytes[position]
        position += 1
        raw |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return raw }
        shift += 7
        if shift >= 70 { throw CodecError(.malformed, "varint longer than 10 bytes", at: position) }
    }
    throw CodecError(.truncated, truncated(), at: position)
}

/// A zigzag-encoded varint, as Avro writes ints and longs and Confluent's protobuf framing writes
/// message indexes.
@inline(__always)
func readZigzagVarint(_ bytes: UnsafeRawBufferPointer, _ position: inout Int, truncated: @autoclosure () -> String) throws -> Int64 {
    let raw = try readVarint(bytes, &position, truncated: truncated())
    return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
}
