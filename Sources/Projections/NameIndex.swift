#if canImport(Glibc)
import Glibc
#endif

/// Byte strings to the dense indices a fold gave them (0, 1, 2… in first-seen order), looked up
/// without building a `String`: the balances fold named an account per event by decoding its bytes
/// into a String and hashing that with SipHash, ~11% of `RewindBench --views-only` (perf).
///
/// Open addressing with linear probing, at most half full. A slot holds the name's first 16 bytes
/// packed into two words (zero-padded, so with the length they identify a short name exactly) and
/// its hash; names longer than 16 bytes keep their bytes in `arena` and compare there too. The hash
/// mixes the packed words with a per-process seed: hostile names cannot be chosen to collide in
/// every run, and the slot order is never observable (callers list by index or by name).
///
/// A cache only: the caller keeps the names themselves, and several byte strings may map to one
/// index (bytes that are not UTF-8 decode to the same String as others).
struct NameIndex: Sendable {
    private struct Slot {
        var word0: UInt64 = 0
        var word1: UInt64 = 0
        var hash: UInt32 = 0
        /// -1 marks an empty slot.
        var length: Int32 = -1
        var index: Int32 = 0
        var arenaStart: Int32 = 0
    }

    /// A name read once: its packed words and hash, for a lookup and the insert that may follow.
    struct Key {
        let word0: UInt64
        let word1: UInt64
        let hash: UInt64
        let bytes: UnsafeRawBufferPointer
    }

    /// Empty until the first insert: a runner makes an empty state per run and per step.
    private var slots: [Slot] = []
    private var arena: [UInt8] = []
    private(set) var count = 0
    /// Chosen at the first insert. Stored, not a global: a global's lazy initialization check
    /// (swift_once) per lookup was 1.4% of the balances fold (perf).
    private var seed: UInt64 = 0
    /// Names longer than this are not indexed (the caller takes its String path): a slot's lengths
    /// and arena positions are 32-bit, and a name of a megabyte is no account.
    static let lengthMax = 1 << 16

    @inline(__always)
    func key(_ bytes: UnsafeRawBufferPointer) -> Key {
        let (word0, word1) = Self.pack(bytes)
        return Key(word0: word0, word1: word1, hash: Self.hash(word0, word1, bytes, seed: seed), bytes: bytes)
    }

    @inline(__always)
    private static func hash(_ word0: UInt64, _ word1: UInt64, _ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let hash = mix(word0 ^ seed, word1 ^ UInt64(truncatingIfNeeded: bytes.count))
        return bytes.count > 16 ? tailHash(bytes, hash) : hash
    }

    /// The index stored for `key` (made by this index's `key`), or nil.
    @inline(__always)
    func index(of key: Key) -> Int? {
        guard count > 0 else { return nil }
        return slots.withUnsafeBufferPointer { slots -> Int? in
            let mask = slots.count - 1
            var at = Int(truncatingIfNeeded: key.hash) & mask
            let hash = UInt32(truncatingIfNeeded: key.hash >> 32)
            while true {
                let slot = slots[at]
                if slot.length < 0 { return nil }
                if slot.hash == hash, slot.word0 == key.word0, slot.word1 == key.word1, Int(slot.length) == key.bytes.count,
                   slot.length <= 16 || longNameMatches(slot, key.bytes) {
                    return Int(slot.index)
                }
                at = (at + 1) & mask
            }
        }
    }

    /// Stores `index` for a key not yet present (callers look up first).
    mutating func insert(_ key: Key, index: Int) {
        precondition(key.bytes.count <= Self.lengthMax && index <= Int(Int32.max), "name index bounds")
        if slots.isEmpty {
            seed = UInt64.random(in: 1...UInt64.max)
            slots = Array(repeating: Slot(), count: 16)
        } else if (count + 1) * 2 > slots.count {
            grow()
        }
        // Hashed again: `key` may come from before the seed was chosen.
        let hash = Self.hash(key.word0, key.word1, key.bytes, seed: seed)
        var slot = Slot(word0: key.word0, word1: key.word1, hash: UInt32(truncatingIfNeeded: hash >> 32),
                        length: Int32(key.bytes.count), index: Int32(index), arenaStart: Int32(arena.count))
        if key.bytes.count > 16 {
            precondition(arena.count + key.bytes.count <= Int(Int32.max), "name arena bounds")
            arena.append(contentsOf: key.bytes)
        } else {
            slot.arenaStart = 0
        }
        place(slot, home: Int(truncatingIfNeeded: hash))
        count += 1
    }

    private mutating func place(_ slot: Slot, home: Int) {
        let mask = slots.count - 1
        var at = home & mask
        while slots[at].length >= 0 { at = (at + 1) & mask }
        slots[at] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        for slot in old where slot.length >= 0 {
            let bytes = slot.length > 16 ? arena.withUnsafeBytes { Array($0[Int(slot.arenaStart)..<(Int(slot.arenaStart) + Int(slot.length))]) } : []
            let hash = slot.length > 16 ? bytes.withUnsafeBytes { Self.hash(slot.word0, slot.word1, $0, seed: seed) }
                                        : Self.mix(slot.word0 ^ seed, slot.word1 ^ UInt64(slot.length))
            place(slot, home: Int(truncatingIfNeeded: hash))
        }
    }

    private func longNameMatches(_ slot: Slot, _ bytes: UnsafeRawBufferPointer) -> Bool {
        arena.withUnsafeBytes { arena in
            memcmp(arena.baseAddress! + Int(slot.arenaStart), bytes.baseAddress!, bytes.count) == 0
        }
    }

    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = (a ^ 0xA076_1D64_78BD_642F).multipliedFullWidth(by: b ^ 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }

    private static func tailHash(_ bytes: UnsafeRawBufferPointer, _ start: UInt64) -> UInt64 {
        var hash = start
        var at = 16
        while at + 8 <= bytes.count {
            hash = mix(hash, bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            at += 8
        }
        if at < bytes.count {
            hash = mix(hash, bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) ^ 0x5851_F42D_4C95_7F2D)
        }
        return hash
    }

    /// The first 16 bytes as two little-endian words, zero-padded, reading only inside `bytes`:
    /// overlapping loads for lengths that are not a multiple of the load.
    @inline(__always)
    static func pack(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return (0, 0) }
        if count >= 16 {
            return (base.loadUnaligned(as: UInt64.self).littleEndian, base.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian)
        }
        if count >= 8 {
            let first = base.loadUnaligned(as: UInt64.self).littleEndian
            guard count > 8 else { return (first, 0) }
            let last = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self).littleEndian
            return (first, last >> UInt64(8 * (16 - count)))
        }
        if count >= 4 {
            let low = UInt64(base.loadUnaligned(as: UInt32.self).littleEndian)
            let high = UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self).littleEndian) >> UInt64(8 * (8 - count))
            return (low | high << 32, 0)
        }
        var word: UInt64 = 0
        for at in 0..<count { word |= UInt64(base.load(fromByteOffset: at, as: UInt8.self)) << UInt64(8 * at) }
        return (word, 0)
    }
}
