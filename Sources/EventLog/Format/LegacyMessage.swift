import CRC32C

// Kafka's legacy message format (magic 0 and 1), which logs written before Kafka 0.11 hold.
// All integers big-endian; one message:
//
//   offset int64 | size int32 (bytes after this field) | crc uint32 (CRC-32/IEEE of magic..end) |
//   magic int8 | attributes int8 (bits 0-2 codec, bit 3 LogAppendTime for magic 1) |
//   timestamp int64 (magic 1 only) | key: length int32 (-1 = null) + bytes | value: length int32 + bytes
//
// A compressed message is a wrapper: its value is a compressed message set of inner messages.
// Inner offsets are absolute for magic 0; for magic 1 they are relative (0…n-1) and the wrapper
// carries the offset of the last inner message, so absolute = wrapper − last relative + relative.
// Valid when the size fits the bytes present, the CRC matches and key and value lengths fit.
struct LegacyMessage {
    var offset: Int64
    var magic: Int8
    var attributes: Int8
    var timestamp: Int64
    var key: UnsafeRawBufferPointer?
    var value: UnsafeRawBufferPointer?
    /// Bytes this message takes, from its offset field.
    var size: Int

    var codecBits: Int { Int(attributes & 0x07) }
    var logAppendTime: Bool { magic == 1 && attributes & 0x08 != 0 }

    /// Parses the message at the start of `bytes` (which may hold more after it).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(DecodeFailure) -> LegacyMessage {
        var cursor = ByteCursor(bytes)
        let offset = try cursor.readBigEndian(Int64.self)
        let length = Int(try cursor.readBigEndian(Int32.self))
        guard length >= 14, length <= cursor.remaining else { throw .lengthOutOfRange }
        let crc = try cursor.readBigEndian(UInt32.self)
        let checked = UnsafeRawBufferPointer(rebasing: bytes[cursor.position..<(12 + length)])
        let computed = rewind_crc32_ieee(0, checked.baseAddress, checked.count)
        guard computed == crc else { throw .crcMismatch(stored: crc, computed: computed) }
        let magic = Int8(bitPattern: try cursor.readByte())
        guard magic == 0 || magic == 1 else { throw .unsupportedMagic(magic) }
        let attributes = Int8(bitPattern: try cursor.readByte())
        let timestamp = magic == 1 ? try cursor.readBigEndian(Int64.self) : Timestamp.none.milliseconds
        let key = try readBytes(&cursor, end: 12 + length)
        let value = try readBytes(&cursor, end: 12 + length)
        guard cursor.position == 12 + length else { throw .trailingBytes(12 + length - cursor.position) }
        return LegacyMessage(offset: offset, magic: magic, attributes: attributes, timestamp: timestamp, key: key, value: value, size: 12 + length)
    }

    private static func readBytes(_ cursor: inout ByteCursor, end: Int) throws(DecodeFailure) -> UnsafeRawBufferPointer? {
        let length = Int(try cursor.readBigEndian(Int32.self))
        if length == -1 { return nil }
        guard length >= 0, cursor.position + length <= end else { throw .lengthOutOfRange }
        let bytes = UnsafeRawBufferPointer(start: cursor.base + cursor.position, count: length)
        cursor.position += length
        return bytes
    }

    /// A batch header standing in for this message, so legacy records carry batch facts too.
    func header(baseOffset: Int64, lastOffset: Int64, count: Int) -> RecordBatchHeader {
        RecordBatchHeader(baseOffset: baseOffset, batchLength: Int32(size - 12), partitionLeaderEpoch: -1, magic: magic, crc: 0,
                          attributes: Int16(attributes & 0x0F), lastOffsetDelta: Int32(lastOffset - baseOffset), baseTimestamp: timestamp,
                          maxTimestamp: timestamp, producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: Int32(count))
    }
}
