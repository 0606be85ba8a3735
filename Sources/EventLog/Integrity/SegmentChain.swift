// The `.chain` sidecar of a segment: the tamper-evidence chain of its batches, kept beside the
// `.log` so the log stays byte-compatible with Kafka. Big-endian, fixed-size records:
//
//   header  48 bytes: magic "RWCHAIN" 0x01 (8) | segment base offset int64 (8) |
//                     the chain value before the segment's first batch (32)
//   entry   48 bytes: batch last offset int64 (8) | batch position int32 (4) | batch size int32 (4) |
//                     chain value after the batch (32)
//
// One entry per batch, in log order. The header's previous value anchors the segment: it equals
// the last value of the segment before, and once retention deletes that one it is where
// verification of the remaining log starts.
//
// Validity: a header is valid if its magic and base offset match; an entry is structurally valid
// if its size is non-zero and it names the batch found at its position. Whether its value is right
// is for `verify` to say, by hashing the batch; a writable open never rewrites a value it did not
// just compute.
//
// Crash points: entries are written (not synced) shortly after their batches, by ChainWriter's
// queue, so after a crash the chain may lack the entries of the last batches (recovery hashes them
// from the log and appends them), or may name batches a torn tail lost (recovery drops them). Zero bytes where the
// file grew before its data reached the disk read as size-0 entries: dropped the same way.

public struct ChainEntry: Hashable, Sendable {
    public var lastOffset: Int64
    public var position: Int32
    public var size: Int32
    public var value: ChainValue

    public static let size = 48
}

struct ChainHeader: Hashable, Sendable {
    var baseOffset: Int64
    var previous: ChainValue

    static let size = 48
    static let magic: [UInt8] = Array("RWCHAIN".utf8) + [1]
}

/// Encoding and decoding of `.chain` files.
enum SegmentChain {
    static func encode(_ header: ChainHeader) -> [UInt8] {
        var out = ChainHeader.magic
        appendInt64(header.baseOffset, to: &out)
        out += header.previous.bytes
        return out
    }

    static func encode(_ entry: ChainEntry, into out: inout [UInt8]) {
        appendInt64(entry.lastOffset, to: &out)
        appendInt64(Int64(entry.position) << 32 | Int64(UInt32(bitPattern: entry.size)), to: &out)
        out += entry.value.bytes
    }

    /// The header and the entries up to the first size-0 (zero-filled) one; nil when the header
    /// is missing or is not a chain header for `baseOffset`.
    static func decode(_ bytes: [UInt8], baseOffset: Int64) -> (ChainHeader, [ChainEntry])? {
        guard bytes.count >= ChainHeader.size, Array(bytes[0..<8]) == ChainHeader.magic,
              readInt64(bytes, at: 8) == baseOffset,
              let previous = ChainValue(bytes: bytes[16..<48]) else { return nil }
        var entries: [ChainEntry] = []
        entries.reserveCapacity((bytes.count - ChainHeader.size) / ChainEntry.size)
        var at = ChainHeader.size
        while at + ChainEntry.size <= bytes.count {
            let position = Int32(truncatingIfNeeded: readInt64(bytes, at: at + 8) >> 32)
            let size = Int32(truncatingIfNeeded: readInt64(bytes, at: at + 8))
            guard size > 0, let value = ChainValue(bytes: bytes[(at + 16)..<(at + 48)]) else { break }
            entries.append(ChainEntry(lastOffset: readInt64(bytes, at: at), position: position, size: size, value: value))
            at += ChainEntry.size
        }
        return (ChainHeader(baseOffset: baseOffset, previous: previous), entries)
    }

    static func fileSize(entries: Int) -> Int64 { Int64(ChainHeader.size + entries * ChainEntry.size) }

    private static func appendInt64(_ value: Int64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> Int64(shift))) }
    }

    private static func readInt64(_ bytes: [UInt8], at position: Int) -> Int64 {
        var value: Int64 = 0
        for index in position..<(position + 8) { value = value << 8 | Int64(bytes[index]) }
        return value
    }
}
