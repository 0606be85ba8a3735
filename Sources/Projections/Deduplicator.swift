/// Idempotent apply: an event whose `event-id` header was seen recently is skipped and counted.
/// The memory of seen ids is a bounded window (a ring plus a set), so memory grows with the window,
/// not with the log. At-least-once redelivery repeats an event soon after the original; a duplicate
/// further back than the window is not recognised (documented limit).
///
/// Ids are kept as 64-bit FNV-1a fingerprints, not bytes: hashing a `[UInt8]` in a Swift set goes
/// byte by byte and allocates per event, which made deduplication most of a replay's cost. Two
/// distinct ids in one 10,000-id window collide with probability ~3·10⁻¹² (birthday bound).
///
/// The window is a ring of fingerprints plus an open-addressing table of them (linear probing,
/// at most a third full, deletion by backward shift): a fingerprint is already a hash, so the
/// table indexes by its bits where a `Set<UInt64>` re-hashed every insert, lookup and eviction
/// with SipHash (a fifth of the explorer's fold).
public struct Deduplicator {
    public static let defaultWindow = 10_000
    let window: Int
    /// 0 marks an empty slot (fingerprint 0 is stored as 1).
    private var slots: [UInt64] = []
    private var mask = 0
    private var ring: [UInt64] = []
    private var next = 0

    public init(window: Int) { self.window = window }

    var isEnabled: Bool { window > 0 }

    /// True the first time `id` is seen within the window.
    mutating func admit(_ id: UnsafeRawBufferPointer) -> Bool { admit(fingerprint: Self.fingerprint(id)) }

    mutating func admit(fingerprint raw: UInt64) -> Bool {
        guard window > 0 else { return true }
        let fingerprint = raw == 0 ? 1 : raw
        if slots.isEmpty {
            var capacity = 16
            while capacity < window * 3 { capacity <<= 1 }
            slots = [UInt64](repeating: 0, count: capacity)
            mask = capacity - 1
        }
        guard insert(fingerprint) else { return false }
        if ring.count < window {
            ring.append(fingerprint)
        } else {
            remove(ring[next])
            ring[next] = fingerprint
            next = (next + 1) % window
        }
        return true
    }

    @inline(__always)
    private static func home(_ fingerprint: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (fingerprint &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// False when the fingerprint is there already.
    private mutating func insert(_ fingerprint: UInt64) -> Bool {
        let mask = mask
        var index = Self.home(fingerprint, mask)
        return slots.withUnsafeMutableBufferPointer { slots in
            while slots[index] != 0 {
                if slots[index] == fingerprint { return false }
                index = (index + 1) & mask
            }
            slots[index] = fingerprint
            return true
        }
    }

    private mutating func remove(_ fingerprint: UInt64) {
        let mask = mask
        var index = Self.home(fingerprint, mask)
        slots.withUnsafeMutableBufferPointer { slots in
            while slots[index] != fingerprint {
                if slots[index] == 0 { return }
                index = (index + 1) & mask
            }
            // Backward shift: pull later entries of the probe run into the hole unless that would
            // put one before its home slot, so lookups never need tombstones.
            var hole = index
            var probe = index
            while true {
                probe = (probe + 1) & mask
                let value = slots[probe]
                if value == 0 { break }
                let distanceFromHome = (probe - Self.home(value, mask)) & mask
                let distanceToHole = (probe - hole) & mask
                if distanceFromHome >= distanceToHole {
                    slots[hole] = value
                    hole = probe
                }
            }
            slots[hole] = 0
        }
    }

    /// Oldest first, for snapshots.
    var recent: [UInt64] { ring.count < window ? ring : Array(ring[next...] + ring[..<next]) }

    mutating func restore(_ fingerprints: [UInt64]) {
        reset()
        for fingerprint in fingerprints { _ = admit(fingerprint: fingerprint) }
    }

    mutating func reset() {
        slots = []
        mask = 0
        ring = []
        next = 0
    }

    @inline(__always)
    static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
