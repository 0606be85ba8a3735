/// SplitMix64: generators are seeded so a demo or a benchmark is the same every run.
public struct ScenarioRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// An index in 0..<count skewed towards small indexes: a few accounts or items are busy, most are quiet.
    public mutating func skewed(_ count: Int, exponent: Double = 2.2) -> Int {
        min(count - 1, Int(Double(count) * pow(unit(), exponent)))
    }

    /// Exponentially distributed, with the given mean: gaps between independent events.
    public mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }
}

#if canImport(Glibc)
import Glibc
#endif
