/// A bounds-checked reader over borrowed bytes: big-endian integers and Kafka's zigzag varints.
/// Every read checks the bytes that remain, so a length taken from a file can never read past the
/// buffer. The cursor never owns memory; the caller keeps the buffer alive.
@usableFromInline
struct ByteCursor {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline var position: Int
    @usableFromInline let end: Int

    @inlinable init(_ buffer: UnsafeRawBufferPointer, position: Int = 0) {
        // A zero-length buffer may have a nil base; any non-nil pointer is fine since nothing is read.
        self.base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        self.position = position
        self.end = buffer.count
    }

    @inlinable var remaining: Int { end - position }

    @inlinable mutating func readByte() throws(DecodeFailure) -> UInt8 {
        guard position < end else { throw .truncated }
        let byte = base.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return byte
    }

    @inlinable mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type) throws(DecodeFailure) -> T {
        guard remaining >= MemoryLayout<T>.size else { throw .truncated }
        let value = T(bigEndian: base.loadUnaligned(fromByteOffset: position, as: T.self))
        position += MemoryLayout<T>.size
        return value
    }

    /// Kafka's unsigned LEB128 varint (at most 10 bytes for 64 bits), then zigzag-decoded.
    /// The one- to three-byte cases (record lengths, deltas, 100-byte value lengths) are forced
    /// inline: they run ~7 times per record, and a call per varint cost ~15% of a full scan.
    @inlinable @inline(__always) mutating func readVarlong() throws(DecodeFailure) -> Int64 {
        if position + 1 < end {
            let first = base.load(fromByteOffset: position, as: UInt8.self)
            if first < 0x80 {
                position += 1
                let raw = UInt64(first)
                return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
            }
            let second = base.load(fromByteOffset: position + 1, as: UInt8.self)
            if second < 0x80 {
                position += 2
                let raw = UInt64(first & 0x7F) | UInt64(second) << 7
                return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
            }
            // Timestamp deltas of seconds-long batches take three bytes, of hour-long ones four
            // (the bench's 10,000-event batches span ~40 minutes: the slow path was 1.6% of a fold).
            if position + 2 < end {
                let third = base.load(fromByteOffset: position + 2, as: UInt8.self)
                if third < 0x80 {
                    position += 3
                    let raw = UInt64(first & 0x7F) | UInt64(second & 0x7F) << 7 | UInt64(third) << 14
                    return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
                }
                if position + 3 < end {
                    let fourth = base.load(fromByteOffset: position + 3, as: UInt8.self)
                    if fourth < 0x80 {
                        position += 4
                        let raw = UInt64(first & 0x7F) | UInt64(second & 0x7F) << 7 | UInt64(third & 0x7F) << 14 | UInt64(fourth) << 21
                        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
                    }
                }
            }
        }
        return try readVarlongSlow()
    }

    @usableFromInline @inline(never) mutating func readVarlongSlow() throws(DecodeFailure) -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw .truncated }
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            raw |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
            guard shift < 64 else { throw .malformedVarint }
        }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable mutating func readVarint() throws(DecodeFailure) -> Int32 {
        let value = try readVarlong()
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { throw .malformedVarint }
        return Int32(truncatingIfNeeded: value)
    }

    /// A length-prefixed byte string; length -1 means null (returned as nil).
    @inlinable @inline(__always) mutating func readNullableBytes() throws(DecodeFailure) -> UnsafeRawBufferPointer? {
        let length = try readVarlong()
        if length == -1 { return nil }
        guard length >= 0, length <= Int64(remaining) else { throw .lengthOutOfRange }
        let bytes = UnsafeRawBufferPointer(start: base + position, count: Int(length))
        position += Int(length)
        return bytes
    }

    @inlinable @inline(__always) mutating func skip(_ count: Int) throws(DecodeFailure) {
        guard count >= 0, count <= remaining else { throw .lengthOutOfRange }
        position += count
    }
}

/// Why bytes failed to decode; the caller adds the file and position.
public enum DecodeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated
    case malformedVarint
    case lengthOutOfRange
    case recordCountMismatch(declared: Int, found: Int)
    case trailingBytes(Int)
    case tooManyHeaders
    case badRecordLength
    case crcMismatch(stored: UInt32, computed: UInt32)
    case unsupportedMagic(Int8)

    public var description: String {
        switch self {
        case .truncated: return "record data ends early"
        case .malformedVarint: return "malformed varint"
        case .lengthOutOfRange: return "a length field exceeds the bytes that remain"
        case let .recordCountMismatch(declared, found): return "batch declares \(declared) records but holds \(found)"
        case let .trailingBytes(count): return "\(count) unexpected bytes after the last record"
        case .tooManyHeaders: return "header count exceeds the limit"
        case .badRecordLength: return "record length disagrees with its contents"
        case let .crcMismatch(stored, computed):
            return "CRC mismatch: stored \(hex32(stored)), computed \(hex32(computed))"
        case let .unsupportedMagic(magic): return "unsupported message format (magic \(magic))"
        }
    }
}

/// Writes big-endian integers and zigzag varints into preallocated memory. The caller sizes the
/// buffer first (see `RecordBatchEncoder`), so writes never grow or check capacity in the hot loop.
@usableFromInline
struct ByteWriter {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline var position: Int

    @inlinable init(_ base: UnsafeMutableRawPointer, position: Int = 0) {
        self.base = base
        self.position = position
    }

    @inlinable mutating func writeBigEndian<T: FixedWidthInteger>(_ value: T) {
        base.storeBytes(of: value.bigEndian, toByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
    }

    @inlinable mutating func writeVarlong(_ value: Int64) {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while raw >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: raw) | 0x80, toByteOffset: position, as: UInt8.self)
            position += 1
            raw >>= 7
        }
        base.storeBytes(of: UInt8(truncatingIfNeeded: raw), toByteOffset: position, as: UInt8.self)
        position += 1
    }

    @inlinable mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + position).copyMemory(from: source, byteCount: bytes.count)
        position += bytes.count
    }
}

/// Bytes a zigzag varint of `value` takes.
@inlinable func varlongSize(_ value: Int64) -> Int {
    let raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
    // 1 + floor(bits/7), computed without a loop.
    let bits = 64 - raw.leadingZeroBitCount
    return bits == 0 ? 1 : (bits + 6) / 7
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
