import EventLog

/// Synthetic `item-rated` events: items with a hidden quality so averages differ, users rating a
/// skewed set of popular items, duplicates like the bank stream. Keys are item names.
public struct RatingsGenerator {
    public static let items = ["espresso-machine", "french-press", "pour-over-kit", "burr-grinder", "milk-frother", "kettle-gooseneck",
                               "cold-brew-jar", "moka-pot", "aeropress", "scale-0.1g", "tamper", "knock-box", "descaler", "latte-mugs"]
    private var random: ScenarioRandom
    private var clock: Int64
    private let meanGapMs: Double
    private let users: Int
    private var sequence = 0
    private let quality: [Double]

    public init(seed: UInt64, users: Int = 500, start: Timestamp, spanMs: Int64, events: Int) {
        random = ScenarioRandom(seed: seed)
        clock = start.milliseconds
        meanGapMs = Double(spanMs) / Double(max(events, 1))
        self.users = max(1, users)
        var qualityRandom = ScenarioRandom(seed: seed ^ 0xA5A5)
        quality = Self.items.map { _ in 2.2 + 2.6 * qualityRandom.unit() }
    }

    public mutating func next() -> ProducerRecord {
        let index = random.skewed(Self.items.count, exponent: 1.6)
        clock += Int64(random.exponential(mean: meanGapMs)) + 1
        sequence += 1
        let noisy = quality[index] + (random.unit() - 0.5) * 2.4
        let stars = max(1, min(5, Int(noisy.rounded())))
        let user = "u\(random.skewed(users, exponent: 1.4) + 1)"
        let json = #"{"type":"item-rated","item":"\#(Self.items[index])","user":"\#(user)","stars":\#(stars)}"#
        return ProducerRecord(key: Array(Self.items[index].utf8), value: Array(json.utf8),
                              headers: [Header(key: "event-id", value: Array("rating-\(sequence)".utf8))],
                              timestamp: Timestamp(milliseconds: clock))
    }

    public mutating func generate(_ count: Int) -> [ProducerRecord] { (0..<count).map { _ in next() } }
}
