/// SplitMix64: a tiny, fast, reproducible generator. Property tests print the seed they used so a
/// failure can be replayed with `REWIND_SEED=<seed>`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// The seed from `REWIND_SEED`, else a fresh one; printed either way.
    public static func fromEnvironment(_ label: String = #function) -> SeededRandom {
        let seed: UInt64
        if let text = getenvString("REWIND_SEED"), let value = UInt64(text) {
            seed = value
        } else {
            var system = SystemRandomNumberGenerator()
            seed = system.next()
        }
        print("[\(label)] REWIND_SEED=\(seed)")
        return SeededRandom(seed: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
