import Scenarios

/// The scenarios' seeded generator, with the seed remembered: property tests print the seed they
/// used so a failure can be replayed with `REWIND_SEED=<seed>`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var generator: ScenarioRandom
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        generator = ScenarioRandom(seed: seed)
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

    public mutating func next() -> UInt64 { generator.next() }

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
