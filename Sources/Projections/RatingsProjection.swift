import EventLog
import Payloads

/// The ratings example's document view: each item stored together with its rating summary and its
/// most recent ratings (seed 000's "item and related ratings stored together", denormalized).
///
/// Event shape: {"type": "item-rated", "item": "espresso-machine", "user": "u17", "stars": 4}
public struct RatingsProjection: Projection {
    public struct Rating: Codable, Sendable, Hashable {
        public var user: String
        public var stars: Int
        public var time: Int64
    }

    public struct Item: Codable, Sendable, Hashable {
        public var count: Int64 = 0
        public var starsTotal: Int64 = 0
        /// Ratings with 1…5 stars.
        public var histogram: [Int64] = [0, 0, 0, 0, 0]
        /// The most recent ratings, newest last.
        public var recent: [Rating] = []
        public var average: Double { count == 0 ? 0 : Double(starsTotal) / Double(count) }
    }

    public typealias State = [String: Item]
    public let recentKept: Int

    public init(recentKept: Int = 5) { self.recentKept = recentKept }
    public var id: String { "ratings" }
    public var columns: [String] { ["item", "ratings", "average", "1★ 2★ 3★ 4★ 5★", "latest"] }
    public func makeInitialState() -> State { [:] }
    public func rowCount(of state: State) -> Int { state.count }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        guard let value = event.value else { return .none }
        var isRating = false
        var item: String?
        var user = ""
        var stars: Int?
        JSONScanner.forEachRawMember(value) { key, raw in
            if JSONFields.keyEquals(key, "type") { isRating = JSONFields.stringEquals(raw, lowercase: "item-rated") }
            else if JSONFields.keyEquals(key, "item") { item = JSONFields.text(raw) }
            else if JSONFields.keyEquals(key, "user") { user = JSONFields.text(raw) ?? "" }
            else if JSONFields.keyEquals(key, "stars") { stars = JSONScanner.integer(raw).map { Int($0) } }
            return true
        }
        guard isRating, let item, let stars, (1...5).contains(stars) else { return .none }
        var entry = state[item] ?? Item()
        entry.count += 1
        entry.starsTotal += Int64(stars)
        entry.histogram[stars - 1] += 1
        entry.recent.append(Rating(user: user, stars: stars, time: event.timestamp.milliseconds))
        if entry.recent.count > recentKept { entry.recent.removeFirst(entry.recent.count - recentKept) }
        state[item] = entry
        return .row(item)
    }

    public func rows(of state: State) -> [ViewRow] { state.keys.sorted().map { row($0, of: state)! } }

    public func row(_ key: String, of state: State) -> ViewRow? {
        guard let entry = state[key] else { return nil }
        let latest = entry.recent.last.map { "\($0.user) \(String(repeating: "★", count: $0.stars))" } ?? "-"
        return ViewRow(key: key, values: [.int(entry.count), .double((entry.average * 100).rounded() / 100),
                                          .text(entry.histogram.map(String.init).joined(separator: " ")), .text(latest)])
    }
}
