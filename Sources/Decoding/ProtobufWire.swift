/// The Protobuf wire format (protobuf.dev, "Encoding"): a message is a sequence of fields, each a
/// varint tag `field_number << 3 | wire_type` followed by its value —
///
///     0 VARINT   base-128 varint, ≤ 10 bytes          1 I64   8 bytes little-endian
///     2 LEN      varint length, then that many bytes   5 I32   4 bytes little-endian
///     3/4 SGROUP/EGROUP   deprecated groups: rejected here (no capture we know of uses them)
///
/// A message is valid here if and only if its fields cover its bytes exactly, every field number
/// is in 1...2^29−1 and every length fits in the bytes that remain.
enum ProtobufWire {
    struct Field {
        var number: Int32
        var wireType: UInt8
        /// VARINT: the value; I64/I32: the raw little-endian bits.
        var scalar: UInt64
        /// LEN: the payload's range in the message.
        var payload: Range<Int>
    }

    static let fieldNumberMax: UInt64 = (1 << 29) - 1

    @inline(__always)
    static func readVarint(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) throws -> UInt64 {
        try Decoding.readVarint(bytes, &position, truncated: "message ends inside a varint")
    }

    /// Every field of the message, in wire order. At most one field per two bytes, so the array
    /// never holds more entries than the input justifies.
    static func fields(_ bytes: UnsafeRawBufferPointer) throws -> [Field] {
        var result: [Field] = []
        var position = 0
        while position < bytes.count {
            let start = position
            let tag = try readVarint(bytes, &position)
            let number = tag >> 3
            guard number >= 1, number <= fieldNumberMax else { throw CodecError(.malformed, "field number \(number)", at: start) }
            var field = Field(number: Int32(number), wireType: UInt8(tag & 7), scalar: 0, payload: 0..<0)
            switch field.wireType {
            case 0: field.scalar = try readVarint(bytes, &position)
            case 1:
                guard bytes.count - position >= 8 else { throw CodecError(.truncated, "field \(number): 8 bytes needed", at: position) }
                field.scalar = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
                position += 8
            case 5:
                guard bytes.count - position >= 4 else { throw CodecError(.truncated, "field \(number): 4 bytes needed", at: position) }
                field.scalar = UInt64(bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian)
                position += 4
            case 2:
                let length = try readVarint(bytes, &position)
                guard length <= UInt64(bytes.count - position) else {
                    throw CodecError(.truncated, "field \(number): length \(length) past the \(bytes.count - position) bytes left", at: position)
                }
                field.payload = position..<(position + Int(length))
                position += Int(length)
            default: throw CodecError(.malformed, "field \(number): wire type \(field.wireType) (groups are not supported)", at: start)
            }
            result.append(field)
        }
        return result
    }

    /// Field numbers in order of first appearance, each with the indexes of its occurrences: a
    /// repeated field whose elements are interleaved with others still prints as one array.
    static func grouped(_ fields: [Field]) -> [(number: Int32, occurrences: [Int])] {
        var groups: [(number: Int32, occurrences: [Int])] = []
        var slot: [Int32: Int] = [:]
        for (index, field) in fields.enumerated() {
            if let existing = slot[field.number] {
                groups[existing].occurrences.append(index)
            } else {
                slot[field.number] = groups.count
                groups.append((field.number, [index]))
            }
        }
        return groups
    }
}
