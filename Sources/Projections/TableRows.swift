/// The rows of the `table` view: row key bytes → row bytes (a JSON object's text), in one
/// open-addressing hash table over one byte arena, so folding a changelog allocates nothing per
/// event (a `[String: String]` made a String per event and freed the one it replaced: with 1M
/// keys that was three cache misses and a malloc/free pair an event).
///
/// Layout: `arena` holds entries back to back, each `[key count: UInt32][value count: UInt32][key][value]`
/// (unaligned); a slot holds a 64-bit hash of the key and the entry's arena offset + 1 (0: empty).
/// Linear probing, at most half the slots full, deletion by backward shift (no tombstones).
/// Setting a key appends a new entry and abandons the old one; the arena is compacted when more
/// than half of it is abandoned, so memory stays within ~2× the live rows.
///
/// A row is identified by its key's bytes, as Kafka's compaction identifies it; a key that is
/// not valid UTF-8 is keyed by its text with replacement characters (`String(decoding:)`), so the
/// key a row lists under always finds it. Copies share storage until one of them changes
/// (copy-on-write, as `Array`); a copy then costs a `memcpy` of the arena and the slots.
public struct TableRows: @unchecked Sendable {
    private var storage: Storage

    public init() { storage = Storage(slotCount: Self.slotCountMin, arenaCapacity: 0) }

    static let slotCountMin = 16
    /// Compaction is not worth its pass below this many abandoned bytes.
    static let garbageBytesMin = 1 << 20

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

    /// Calls `body` with the row bytes of `key`, nil when there is no such row.
    public func withValue<Result>(forKey key: String, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result? {
        var key = key
        return try key.withUTF8 { utf8 in
            guard let entry = storage.find(UnsafeRawBufferPointer(utf8)) else { return nil }
            return try body(storage.value(at: entry))
        }
    }

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
        /// Arena offset of the entry + 1; 0 marks an empty slot.
        var entry: Int
    }

    final class Storage {
        private(set) var slots: UnsafeMutablePointer<Slot>
        private(set) var slotCount: Int
        private(set) var arena: UnsafeMutableRawPointer
        private(set) var arenaCapacity: Int
        private(set) var arenaUsed = 0
        /// Bytes of entries no slot points at any more.
        private(set) var abandoned = 0
        private(set) var count = 0

        static let entryHeaderBytes = 8

        init(slotCount: Int, arenaCapacity: Int) {
            precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "slot count must be a power of two")
            self.slotCount = slotCount
            slots = .allocate(capacity: slotCount)
            slots.initialize(repeating: Slot(hash: 0, entry: 0), count: slotCount)
            self.arenaCapacity = max(arenaCapacity, 64)
            arena = .allocate(byteCount: self.arenaCapacity, alignment: 8)
        }

        deinit {
            slots.deallocate()
            arena.deallocate()
        }

        func copy() -> Storage {
            let copy = Storage(slotCount: slotCount, arenaCapacity: arenaUsed)
            copy.slots.update(from: slots, count: slotCount)
            copy.arena.copyMemory(from: arena, byteCount: arenaUsed)
            copy.arenaUsed = arenaUsed
            copy.abandoned = abandoned
            copy.count = count
            return copy
        }

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
        private func entryBytes(at entry: Int) -> Int {
            Self.entryHeaderBytes + Int(arena.loadUnaligned(fromByteOffset: entry, as: UInt32.self))
                + Int(arena.loadUnaligned(fromByteOffset: entry + 4, as: UInt32.self))
        }

        @inline(__always)
        private func keyEquals(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
            let stored = self.key(at: entry)
            return stored.count == key.count && (key.count == 0 || memcmp(stored.baseAddress!, key.baseAddress!, key.count) == 0)
        }

        /// The slot index holding `key`, or the empty slot where it would go.
        @inline(__always)
        private func probe(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (index: Int, found: Bool) {
            let mask = slotCount - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[index]
                if slot.entry == 0 { return (index, false) }
                if slot.hash == hash, keyEquals(slot.entry - 1, key) { return (index, true) }
                index = (index + 1) & mask
            }
        }

        /// The arena offset of `key`'s entry.
        func find(_ key: UnsafeRawBufferPointer) -> Int? {
            let (index, found) = probe(key, hash: TableRows.hash(key))
            return found ? slots[index].entry - 1 : nil
        }

        func set(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
            precondition(key.count <= Int(UInt32.max) && value.count <= Int(UInt32.max), "a row larger than 4 GiB")
            let hash = TableRows.hash(key)
            var (index, found) = probe(key, hash: hash)
            if found {
                abandoned += entryBytes(at: slots[index].entry - 1)
            } else if (count + 1) * 2 > slotCount {
                grow()
                index = probe(key, hash: hash).index
            }
            let entry = append(key, value)
            slots[index] = Slot(hash: hash, entry: entry + 1)
            if !found { count += 1 }
            if abandoned > TableRows.garbageBytesMin, abandoned * 2 > arenaUsed { compact() }
            return found
        }

        func remove(_ key: UnsafeRawBufferPointer) -> Bool {
            let (index, found) = probe(key, hash: TableRows.hash(key))
            guard found else { return false }
            abandoned += entryBytes(at: slots[index].entry - 1)
            count -= 1
            // Backward shift: move later slots of the same probe run into the hole, so lookups
            // never meet an empty slot before their key.
            let mask = slotCount - 1
            var hole = index
            var next = (hole + 1) & mask
            while slots[next].entry != 0 {
                let home = Int(truncatingIfNeeded: slots[next].hash) & mask
                // The entry at `next` may move to `hole` unless its home lies cyclically in (hole, next].
                let homeAfterHole = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
                if !homeAfterHole {
                    slots[hole] = slots[next]
                    hole = next
                }
                next = (next + 1) & mask
            }
            slots[hole] = Slot(hash: 0, entry: 0)
            if abandoned > TableRows.garbageBytesMin, abandoned * 2 > arenaUsed { compact() }
            return true
        }

        func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
            for index in 0..<slotCount where slots[index].entry != 0 {
                let entry = slots[index].entry - 1
                try body(key(at: entry), value(at: entry))
            }
        }

        @inline(__always)
        private func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Int {
            let bytes = Self.entryHeaderBytes + key.count + value.count
            if arenaUsed + bytes > arenaCapacity { reserveArena(arenaUsed + bytes) }
            let entry = arenaUsed
            arena.storeBytes(of: UInt32(key.count), toByteOffset: entry, as: UInt32.self)
            arena.storeBytes(of: UInt32(value.count), toByteOffset: entry + 4, as: UInt32.self)
            if key.count > 0 { (arena + entry + Self.entryHeaderBytes).copyMemory(from: key.baseAddress!, byteCount: key.count) }
            if value.count > 0 { (arena + entry + Self.entryHeaderBytes + key.count).copyMemory(from: value.baseAddress!, byteCount: value.count) }
            arenaUsed += bytes
            return entry
        }

        private func reserveArena(_ needed: Int) {
            var capacity = arenaCapacity
            while capacity < needed { capacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            grown.copyMemory(from: arena, byteCount: arenaUsed)
            arena.deallocate()
            arena = grown
            arenaCapacity = capacity
        }

        private func grow() {
            let old = slots, oldCount = slotCount
            slotCount *= 2
            slots = .allocate(capacity: slotCount)
            slots.initialize(repeating: Slot(hash: 0, entry: 0), count: slotCount)
            let mask = slotCount - 1
            for index in 0..<oldCount where old[index].entry != 0 {
                var target = Int(truncatingIfNeeded: old[index].hash) & mask
                while slots[target].entry != 0 { target = (target + 1) & mask }
                slots[target] = old[index]
            }
            old.deallocate()
        }

        /// Copies the live entries into a fresh arena, in slot order.
        private func compact() {
            let live = arenaUsed - abandoned
            let fresh = UnsafeMutableRawPointer.allocate(byteCount: max(64, live + live / 2), alignment: 8)
            var used = 0
            for index in 0..<slotCount where slots[index].entry != 0 {
                let entry = slots[index].entry - 1
                let bytes = entryBytes(at: entry)
                (fresh + used).copyMemory(from: arena + entry, byteCount: bytes)
                slots[index].entry = used + 1
                used += bytes
            }
            arena.deallocate()
            arena = fresh
            arenaCapacity = max(64, live + live / 2)
            arenaUsed = used
            abandoned = 0
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

#if canImport(Glibc)
import Glibc
#endif
