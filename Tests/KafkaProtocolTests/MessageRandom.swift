/// SplitMix64: small, seedable, and the same sequence on every platform, so a failing seed replays.
struct MessageRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0–3 elements: arrays nest up to three deep, so this keeps messages small.
    mutating func count() -> Int { Int(next() % 4) }

    /// Includes a two-byte UTF-8 character so lengths count bytes, not characters.
    mutating func string() -> String {
        let alphabet = Array("abcxyz-_.é0")
        return String((0..<Int(next() % 6)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    mutating func bytes() -> [UInt8] {
        (0..<Int(next() % 9)).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
