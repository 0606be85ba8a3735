/// Idempotent apply: an event whose `event-id` header was seen recently is skipped and counted.
/// The memory of seen ids is a bounded window (a ring plus a set), so memory grows with the window,
/// not with the log. At-least-once redelivery repeats an event soon after the original; a duplicate
/// further back than the window is not recognised (documented limit).
public struct Deduplicator {
    public static let defaultWindow = 10_000
    let window: Int
    private var seen: Set<[UInt8]> = []
    private var ring: [[UInt8]] = []
    private var next = 0

    public init(window: Int) { self.window = window }

    var isEnabled: Bool { window > 0 }

    /// True the first time `id` is seen within the window.
    mutating func admit(_ id: UnsafeRawBufferPointer) -> Bool {
        guard window > 0 else { return true }
        let bytes = Array(id)
        guard !seen.contains(bytes) else { return false }
        if ring.count < window {
            ring.append(bytes)
        } else {
            seen.remove(ring[next])
            ring[next] = bytes
            next = (next + 1) % window
        }
        seen.insert(bytes)
        return true
    }

    /// Oldest first, for snapshots.
    var recent: [String] {
        let ordered = ring.count < window ? ring : Array(ring[next...] + ring[..<next])
        return ordered.map { String(decoding: $0, as: UTF8.self) }
    }

    mutating func restore(_ ids: [String]) {
        reset()
        for id in ids { Array(id.utf8).withUnsafeBytes { _ = admit($0) } }
    }

    mutating func reset() {
        seen = []
        ring = []
        next = 0
    }
}
