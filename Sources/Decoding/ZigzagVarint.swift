/// A zigzag-encoded varint of at most 10 bytes, as Avro writes ints and longs and Confluent's
/// protobuf framing writes message indexes. `truncated` says what the input ended inside.
@inline(__always)
func readZigzagVarint(_ bytes: UnsafeRawBufferPointer, _ position: inout Int, truncated: @autoclosure () -> String) throws -> Int64 {
    var shift: UInt64 = 0
    var raw: UInt64 = 0
    while position < bytes.count {
        let byte = bytes[position]
        position += 1
        raw |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }
        shift += 7
        if shift >= 70 { throw CodecError(.malformed, "varint longer than 10 bytes", at: position) }
    }
    throw CodecError(.truncated, truncated(), at: position)
}
