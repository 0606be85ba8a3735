/// Idempotent apply: an event whose `event-id` header was seen recently is skipped and counted.
/// The memory of seen ids is a bounded window (a ring plus a set), so memory grows with the window,
/// not with the log. At-least-once redelivery repeats an event soon after the original; a duplicate
/// further back than the window is not recognised (documented limit).
///
/// Ids are kept as 64-bit FNV-1a fingerprints, not bytes: hashing a `[UInt8]` in a Swift set goes
/// byte by byte and allocates per event, which made deduplication most of a replay's cost. Two
/// distinct ids in one 10,000-id window collide with probability ~3·10⁻¹² (birthday bound).
public struct Deduplicator {
    public static let defaultWindow = 10_000
    let window: Int
    private var seen: Set<UInt64> = []
    private var ring: [UInt64] = []
    private var next = 0

    public init(window: Int) { self.window = window }

    var isEnabled: Bool { window > 0 }

    /// True the first time `id` is seen within the window.
    mutating func admit(_ id: UnsafeRawBufferPointer) -> Bool { admit(fingerprint: Self.fingerprint(id)) }

    mutating func admit(fingerprint: UInt64) -> Bool {
        guard window > 0 else { return true }
        guard seen.insert(fingerprint).inserted else { return false }
        if ring.count < window {
            ring.append(fingerprint)
        } else {
            seen.remove(ring[next])
            ring[next] = fingerprint
            next = (next + 1) % window
        }
        return true
    }

    /// Oldest first, for snapshots.
    var recent: [UInt64] { ring.count < window ? ring : Array(ring[next...] + ring[..<next]) }

    mutating func restore(_ fingerprints: [UInt64]) {
        reset()
        for fingerprint in fingerprints { _ = admit(fingerprint: fingerprint) }
    }

    mutating func reset() {
        seen = []
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
