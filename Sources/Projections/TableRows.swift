/// The rows of the `table` view: row key bytes → row bytes (a JSON object's text), in one
/// open-addressing hash table over one byte arena, so folding a changelog allocates nothing per
/// event (a `[String: String]` made a String per event and freed the one it replaced: with 1M
/// keys that was three cache misses and a malloc/free pair an event).
///
/// Layout: `arena` holds entries back to back, each `[key count: UInt32][value count: UInt32]
/// [value capacity: UInt32][key][value, then capacity − count spare bytes]` (unaligned); a 16-byte
/// slot holds a 64-bit hash of the key and the entry's arena offset + 1 (0: empty) with the key's
/// length. Linear probing, at most half the slots full, deletion by
/// backward shift (no tombstones). Setting a key overwrites its value in place when the new value
/// fits the entry's capacity (the value's size + 1/8 when it was written), else appends a new
/// entry and abandons the old one; the arena is compacted (in place) when it holds more abandoned
/// bytes than live ones.
///
/// Why in place: appending every update made the arena 2× the live rows and compacted it every
/// ~1M updates of a 1M-row table, and compaction looks up every entry's slot, one more cache
/// miss per event; an in-place update writes lines `prefetch` has already brought in.
///
/// Why 16-byte slots: with 1M keys every update is a cache and TLB miss on its slot and another on
/// its entry (perf on `RewindBench --tables-only`). Slots used to carry the key's first 16 bytes
/// (32 bytes a slot) so that short keys compared without the arena; now that an update writes its
/// entry in place, the entry's lines are loaded anyway (`prefetch` loads them ahead), the key
/// compares there, and the 2M slots of a 1M-row table take 32 MB instead of 64. The slots and the
/// arena sit in transparent huge pages when the kernel offers them (`madvise` mode): in this VM a
/// TLB miss is a two-dimensional page walk.
///
/// A row is identified by its key's bytes, as Kafka's compaction identifies it; a key that is
/// not valid UTF-8 is keyed by its text with replacement characters (`String(decoding:)`), so the
/// key a row lists under always finds it. Copies share storage until one of them changes
/// (copy-on-write, as `Array`); a copy then costs a `memcpy` of the arena and the slots.
public struct TableRows: @unchecked Sendable {
    private var storage: Storage
    /// Hashes of the last keys hinted by `prefetch`, whose entries are loaded next.
    private var pending = PrefetchQueue()

    public init() { storage = Storage(slotCount: Self.slotCountMin, arenaCapacity: 0) }

    static let slotCountMin = 16
    /// Compaction is not worth its pass below this many arena bytes.
    static let compactionBytesMin = 1 << 20

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }

    /// Sets the row of `key` to `value`; true when the key had a row before.
    @discardableResult
    public mutating func set(_ key: UnsafeRawBufferPointer, to value: UnsafeRawBufferPointer) -> Bool {
        makeUnique()
        return Self.withNormalizedKey(key) { storage.set($0, value) }
    }

    /// Removes the row of `key`; true when there was one.
    @discardableResult
    public mutating func remove(_ key: UnsafeRawBufferPointer) -> Bool {
        // A lookup first: removing nothing (a tombstone for an unknown key) must not copy storage.
        guard Self.withNormalizedKey(key, { storage.find($0) }) != nil else { return false }
        makeUnique()
        return Self.withNormalizedKey(key) { storage.remove($0) }
    }

    public mutating func removeAll() {
        storage = Storage(slotCount: Self.slotCountMin, arenaCapacity: 0)
    }

    /// A hint that `key` is set or removed soon (a fold calls it 24 events ahead): loads the
    /// key's slot now, and the entry of the key hinted `PrefetchQueue.depth` calls ago, whose slot
    /// is in cache by then. With 1M rows every update missed the cache on its slot and again on
    /// its entry, one after the other; hinted, both loads overlap the folds in between. Changes no
    /// row and copies nothing (the queue of hints is not part of the rows).
    public mutating func prefetch(_ key: UnsafeRawBufferPointer) {
        // A key that is not ASCII would need normalizing, an allocation: no hint for those.
        guard Self.isASCII(key) else { return }
        let hash = Self.hash(key)
        storage.prefetchSlot(hash: hash)
        if let earlier = pending.push(hash) { storage.prefetchEntry(hash: earlier) }
    }

    /// Calls `body` with the row bytes of `key`, nil when there is no such row.
    public func withValue<Result>(forKey key: String, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result? {
        var key = key
        return try key.withUTF8 { utf8 in
            guard let entry = storage.find(UnsafeRawBufferPointer(utf8)) else { return nil }
            return try body(storage.value(at: entry))
        }
    }

    /// Arena bytes in use, live and abandoned: what in-place updates keep from growing.
    var arenaBytesUsed: Int { storage.arenaUsed }

    /// Whether `other` is a copy not separated from this one by a change yet (copy-on-write).
    func sharesStorage(with other: TableRows) -> Bool { storage === other.storage }

    public func contains(_ key: String) -> Bool { withValue(forKey: key) { _ in true } ?? false }

    public func value(forKey key: String) -> String? { withValue(forKey: key) { String(decoding: $0, as: UTF8.self) } }

    /// Every row key, in no particular order.
    public var keys: [String] {
        var result: [String] = []
        result.reserveCapacity(count)
        storage.forEach { key, _ in result.append(String(decoding: key, as: UTF8.self)) }
        return result
    }

    /// Calls `body` with each row's key and value bytes, in no particular order.
    public func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try storage.forEach(body)
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// ASCII keys (the norm) are used as they are; others go through `String(decoding:)`, which
    /// keeps valid UTF-8 byte for byte and replaces what is not.
    @inline(__always)
    static func withNormalizedKey<Result>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if isASCII(key) { return body(key) }
        var text = String(decoding: key, as: UTF8.self)
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var high: UInt64 = 0
        while index + 8 <= bytes.count {
            high |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            high |= UInt64(bytes[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// A 64-bit hash of short byte strings, 8 bytes a step (a multiply-xorshift mix per word and
    /// MurmurHash3's finalizer): Swift's SipHash over a String cost more than the rest of a
    /// table update. Not keyed: the rows of a log one opens oneself are no hash-flooding target.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(bytes.count &+ 1)
        var index = 0
        while index + 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            index += 8
        }
        if index < bytes.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                tail |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}

extension TableRows {
    struct Slot {
        var hash: UInt64
        /// Arena offset of the entry + 1 (0: empty) in the low 48 bits; the key's length, capped
        /// at 0xFFFF, in the high 16.
        var entry: UInt64

        static let empty = Slot(hash: 0, entry: 0)
        static let offsetMask: UInt64 = (1 << 48) - 1

        @inline(__always) var isEmpty: Bool { entry == 0 }
        @inline(__always) var offset: Int { Int(truncatingIfNeeded: entry & Self.offsetMask) - 1 }
    }

    /// A key as a probe compares it: hash and capped length, computed once per operation.
    struct ProbeKey {
        let bytes: UnsafeRawBufferPointer
        let hash: UInt64
        let lengthBits: UInt64

        @inline(__always)
        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            hash = TableRows.hash(bytes)
            lengthBits = UInt64(min(bytes.count, 0xFFFF)) << 48
        }
    }

    /// The last `depth` hashes hinted, oldest first out (0: none).
    struct PrefetchQueue {
        static let depth = 8
        private var hashes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        private var next = 0

        /// Queues `hash`; returns the one it replaces, queued `depth` calls ago.
        @inline(__always)
        mutating func push(_ hash: UInt64) -> UInt64? {
            let slot = next
            next = (next + 1) & (Self.depth - 1)
            let earlier = withUnsafeMutableBytes(of: &hashes) { words in
                let earlier = words.load(fromByteOffset: slot * 8, as: UInt64.self)
                words.storeBytes(of: hash, toByteOffset: slot * 8, as: UInt64.self)
                return earlier
            }
            return earlier == 0 ? nil : earlier
        }
    }

    /// Memory for the slots and the arena: 2 MiB-aligned and marked for transparent huge pages
    /// when large, plain malloc when small. Freed with `free`.
    enum Memory {
        static let hugePageBytes = 2 << 20

        static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
            guard bytes >= hugePageBytes else { return malloc(max(bytes, 16))! }
            let rounded = (bytes + hugePageBytes - 1) / hugePageBytes * hugePageBytes
            var pointer: UnsafeMutableRawPointer?
            precondition(posix_memalign(&pointer, hugePageBytes, rounded) == 0, "out of memory for \(rounded) bytes of table rows")
            // Advice only: without huge pages the table works the same, a little slower.
            _ = madvise(pointer, rounded, Int32(MADV_HUGEPAGE))
            return pointer!
        }
    }

    final class Storage {
        private(set) var slots: UnsafeMutablePointer<Slot>
        private(set) var slotCount: Int
        private(set) var arena: UnsafeMutableRawPointer
        private(set) var arenaCapacity: Int
        private(set) var arenaUsed = 0
        /// Bytes of the entries in the arena that no slot points at any more.
        private(set) var abandonedBytes = 0
        private(set) var count = 0

        static let entryHeaderBytes = 12

        /// Room for a value of `count` bytes and the next few versions of it: rows of one table
        /// change a status or an amount, a few bytes either way (8-byte granules, + 1/8).
        @inline(__always)
        static func capacity(for count: Int) -> Int { (count + count / 8 + 7) & ~7 }

        init(slotCount: Int, arenaCapacity: Int) {
            precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "slot count must be a power of two")
            self.slotCount = slotCount
            slots = Self.allocateSlots(slotCount)
            self.arenaCapacity = max(arenaCapacity, 64)
            arena = Memory.allocate(self.arenaCapacity)
        }

        deinit {
            free(slots)
            free(arena)
        }

        private static func allocateSlots(_ count: Int) -> UnsafeMutablePointer<Slot> {
            let raw = Memory.allocate(count * MemoryLayout<Slot>.stride)
            memset(raw, 0, count * MemoryLayout<Slot>.stride) // all-zero is `Slot.empty`
            return raw.bindMemory(to: Slot.self, capacity: count)
        }

        /// A copy of `source` (copy-on-write) in fresh memory, filled by copying without zeroing
        /// first, with the same arena capacity: the copy is the one that goes on changing (the
        /// original stays as the runner's checkpoint), and an arena copied to its exact size
        /// doubled, a second copy, at its next append. Capacity not yet written costs no memory.
        private init(copying source: Storage) {
            slotCount = source.slotCount
            slots = Memory.allocate(slotCount * MemoryLayout<Slot>.stride).bindMemory(to: Slot.self, capacity: slotCount)
            slots.update(from: source.slots, count: slotCount)
            arenaCapacity = source.arenaCapacity
            arena = Memory.allocate(arenaCapacity)
            arena.copyMemory(from: source.arena, byteCount: source.arenaUsed)
            arenaUsed = source.arenaUsed
            abandonedBytes = source.abandonedBytes
            count = source.count
        }

        func copy() -> Storage { Storage(copying: self) }

        @inline(__always)
        private func key(at entry: Int) -> UnsafeRawBufferPointer {
            let keyCount = Int(arena.loadUnaligned(fromByteOffset: entry, as: UInt32.self))
            return UnsafeRawBufferPointer(start: arena + entry + Self.entryHeaderBytes, count: keyCount)
        }

        @inline(__always)
        func value(at entry: Int) -> UnsafeRawBufferPointer {
            let keyCount = Int(arena.loadUnaligned(fromByteOffset: entry, as: UInt32.self))
            let valueCount = Int(arena.loadUnaligned(fromByteOffset: entry + 4, as: UInt32.self))
            return UnsafeRawBufferPointer(start: arena + entry + Self.entryHeaderBytes + keyCount, count: valueCount)
        }

        @inline(__always)
        private func valueCapacity(at entry: Int) -> Int { Int(arena.loadUnaligned(fromByteOffset: entry + 8, as: UInt32.self)) }

        @inline(__always)
        private func entryBytes(at entry: Int) -> Int {
            Self.entryHeaderBytes + Int(arena.loadUnaligned(fromByteOffset: entry, as: UInt32.self)) + valueCapacity(at: entry)
        }

        @inline(__always)
        func prefetchSlot(hash: UInt64) {
            rewind_prefetch_write(slots + (Int(truncatingIfNeeded: hash) & (slotCount - 1)))
        }

        /// Loads the entry of the first slot of `hash`'s probe run with that hash (its slot was
        /// hinted earlier): the lines an update writes, the header and ~2 lines of row.
        @inline(__always)
        func prefetchEntry(hash: UInt64) {
            let mask = slotCount - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            // At most half the slots are full, so a probe run is short; a hint may give up early.
            for _ in 0..<4 {
                let slot = slots[index]
                if slot.isEmpty { return }
                if slot.hash == hash {
                    let entry = arena + slot.offset
                    rewind_prefetch_write(entry)
                    rewind_prefetch_write(entry + 64)
                    rewind_prefetch_write(entry + 128)
                    return
                }
                index = (index + 1) & mask
            }
        }

        @inline(__always)
        private func matches(_ slot: Slot, _ key: ProbeKey) -> Bool {
            guard slot.hash == key.hash, slot.entry & ~Slot.offsetMask == key.lengthBits else { return false }
            let stored = self.key(at: slot.offset)
            return stored.count == key.bytes.count && Self.equal(stored, key.bytes)
        }

        /// Keys are short (ids): 8 bytes a step inline, where `memcmp` was a call per update.
        @inline(__always)
        private static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
            var index = 0
            while index + 8 <= lhs.count {
                if lhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) != rhs.loadUnaligned(fromByteOffset: index, as: UInt64.self) { return false }
                index += 8
            }
            while index < lhs.count {
                if lhs[index] != rhs[index] { return false }
                index += 1
            }
            return true
        }

        /// The slot index holding `key`, or the empty slot where it would go.
        @inline(__always)
        private func probe(_ key: ProbeKey) -> (index: Int, found: Bool) {
            let mask = slotCount - 1
            var index = Int(truncatingIfNeeded: key.hash) & mask
            while true {
                let slot = slots[index]
                if slot.isEmpty { return (index, false) }
                if matches(slot, key) { return (index, true) }
                index = (index + 1) & mask
            }
        }

        /// The arena offset of `key`'s entry.
        func find(_ key: UnsafeRawBufferPointer) -> Int? {
            let (index, found) = probe(ProbeKey(key))
            return found ? slots[index].offset : nil
        }

        func set(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
            precondition(key.count <= Int(UInt32.max) && value.count <= Int(UInt32.max), "a row larger than 4 GiB")
            let probeKey = ProbeKey(key)
            var (index, found) = probe(probeKey)
            if found {
                let old = slots[index].offset
                if value.count <= valueCapacity(at: old) {
                    overwriteValue(at: old, keyCount: key.count, with: value)
                    return true
                }
                abandonedBytes += entryBytes(at: old)
            } else if (count + 1) * 2 > slotCount {
                grow()
                index = probe(probeKey).index
            }
            let entry = append(key, value)
            precondition(UInt64(entry + 1) <= Slot.offsetMask, "table rows past 256 TiB")
            slots[index] = Slot(hash: probeKey.hash, entry: probeKey.lengthBits | UInt64(entry + 1))
            if !found { count += 1 }
            compactIfWorthIt()
            return found
        }

        @inline(__always)
        private func overwriteValue(at entry: Int, keyCount: Int, with value: UnsafeRawBufferPointer) {
            arena.storeBytes(of: UInt32(value.count), toByteOffset: entry + 4, as: UInt32.self)
            if value.count > 0 { (arena + entry + Self.entryHeaderBytes + keyCount).copyMemory(from: value.baseAddress!, byteCount: value.count) }
        }

        func remove(_ key: UnsafeRawBufferPointer) -> Bool {
            let (index, found) = probe(ProbeKey(key))
            guard found else { return false }
            abandonedBytes += entryBytes(at: slots[index].offset)
            count -= 1
            // Backward shift: move later slots of the same probe run into the hole, so lookups
            // never meet an empty slot before their key.
            let mask = slotCount - 1
            var hole = index
            var next = (hole + 1) & mask
            while !slots[next].isEmpty {
                let home = Int(truncatingIfNeeded: slots[next].hash) & mask
                // The entry at `next` may move to `hole` unless its home lies cyclically in (hole, next].
                let homeAfterHole = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
                if !homeAfterHole {
                    slots[hole] = slots[next]
                    hole = next
                }
                next = (next + 1) & mask
            }
            slots[hole] = .empty
            compactIfWorthIt()
            return true
        }

        func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
            for index in 0..<slotCount where !slots[index].isEmpty {
                let entry = slots[index].offset
                try body(key(at: entry), value(at: entry))
            }
        }

        @inline(__always)
        private func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Int {
            let capacity = Self.capacity(for: value.count)
            precondition(capacity <= Int(UInt32.max), "a row larger than 4 GiB")
            let bytes = Self.entryHeaderBytes + key.count + capacity
            if arenaUsed + bytes > arenaCapacity { reserveArena(arenaUsed + bytes) }
            let entry = arenaUsed
            arena.storeBytes(of: UInt32(key.count), toByteOffset: entry, as: UInt32.self)
            arena.storeBytes(of: UInt32(value.count), toByteOffset: entry + 4, as: UInt32.self)
            arena.storeBytes(of: UInt32(capacity), toByteOffset: entry + 8, as: UInt32.self)
            if key.count > 0 { (arena + entry + Self.entryHeaderBytes).copyMemory(from: key.baseAddress!, byteCount: key.count) }
            if value.count > 0 { (arena + entry + Self.entryHeaderBytes + key.count).copyMemory(from: value.baseAddress!, byteCount: value.count) }
            arenaUsed += bytes
            return entry
        }

        private func reserveArena(_ needed: Int) {
            var capacity = arenaCapacity
            while capacity < needed { capacity *= 2 }
            let grown = Memory.allocate(capacity)
            grown.copyMemory(from: arena, byteCount: arenaUsed)
            free(arena)
            arena = grown
            arenaCapacity = capacity
        }

        private func grow() {
            let old = slots, oldCount = slotCount
            slotCount *= 2
            slots = Self.allocateSlots(slotCount)
            let mask = slotCount - 1
            for index in 0..<oldCount where !old[index].isEmpty {
                var target = Int(truncatingIfNeeded: old[index].hash) & mask
                while !slots[target].isEmpty { target = (target + 1) & mask }
                slots[target] = old[index]
            }
            free(old)
        }

        /// Counted in bytes: an update that abandons an entry has just read its header anyway.
        @inline(__always)
        private func compactIfWorthIt() {
            if abandonedBytes * 2 > arenaUsed, arenaUsed > TableRows.compactionBytesMin { compact() }
        }

        /// Slides the live entries to the front of the arena, in arena order, keeping its memory:
        /// an entry is live when its key's slot points at it. Copying them into a fresh arena
        /// instead had the kernel zero a new arena's pages on every compaction (`clear_page_erms`,
        /// 15% of the fold in perf) and read the live rows in random order (another 5%).
        private func compact() {
            var read = 0, write = 0
            while read < arenaUsed {
                let bytes = entryBytes(at: read)
                let key = ProbeKey(self.key(at: read))
                let (index, found) = probe(key)
                if found, slots[index].offset == read {
                    if write != read { (arena + write).copyMemory(from: arena + read, byteCount: bytes) }
                    slots[index].entry = (slots[index].entry & ~Slot.offsetMask) | UInt64(write + 1)
                    write += bytes
                }
                read += bytes
            }
            arenaUsed = write
            abandonedBytes = 0
        }
    }
}

extension TableRows: Equatable {
    /// The same keys with the same row bytes (slot order and abandoned bytes do not count).
    public static func == (lhs: TableRows, rhs: TableRows) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.storage === rhs.storage { return true }
        var equal = true
        lhs.storage.forEach { key, value in
            guard equal else { return }
            guard let entry = rhs.storage.find(key) else {
                equal = false
                return
            }
            equal = rhs.storage.value(at: entry).elementsEqual(value)
        }
        return equal
    }
}

extension TableRows: Codable {
    /// Encoded as a flat array (key, row, key, row, …), not an object: two keys that differ only in
    /// Unicode normalization are two rows here but one member of a JSON object decoded to a Swift
    /// dictionary.
    public init(from decoder: Decoder) throws {
        self.init()
        var container = try decoder.unkeyedContainer()
        while !container.isAtEnd {
            var key = try container.decode(String.self)
            guard !container.isAtEnd else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a row key without its row")
            }
            var value = try container.decode(String.self)
            key.withUTF8 { key in value.withUTF8 { value in _ = set(UnsafeRawBufferPointer(key), to: UnsafeRawBufferPointer(value)) } }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        try forEach { key, value in
            try container.encode(String(decoding: key, as: UTF8.self))
            try container.encode(String(decoding: value, as: UTF8.self))
        }
    }
}

import CPrefetch
#if canImport(Glibc)
import Glibc
#endif
