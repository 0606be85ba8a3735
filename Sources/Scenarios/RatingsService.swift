import EventLog
import Projections

/// The ratings example's two sides (CQRS), as `BankService` is the bank's: a RateItem command is
/// validated by the write side before it becomes an `item-rated` event; queries read the ratings
/// document view, which folds the events on its own schedule (`refreshQueries`).
public final class RatingsService {
    public struct RateItem: Hashable, Sendable {
        public var item: String
        public var user: String
        public var stars: Int
        public init(item: String, user: String, stars: Int) {
            self.item = item
            self.user = user
            self.stars = stars
        }
    }

    public enum Outcome: Hashable, Sendable {
        case accepted(partition: Int32, offset: Offset)
        /// Nothing was appended: a rejected command leaves the log as it was.
        case rejected(reason: String)
    }

    /// The items the shop sells: the generated ones and the one the demo's learner rates, which no
    /// generated event touches (so its document changes only by the learner's commands).
    public static let learnerItem = "learner-mug"
    public static let catalog = Set(RatingsGenerator.items + [learnerItem])

    public let log: EventLog
    public let topic: String
    public let queries: ViewRunner<RatingsProjection>
    private var sequence = 0

    public init(log: EventLog, topic: String) throws {
        self.log = log
        self.topic = topic
        queries = try ViewRunner(log: log, topic: topic, projection: RatingsProjection(), snapshots: nil, snapshotEveryEvents: 0)
        try queries.run()
    }

    public func handle(_ command: RateItem, at time: Timestamp) throws -> Outcome {
        guard Self.catalog.contains(command.item) else { return .rejected(reason: "no item '\(command.item)' in the shop") }
        guard (1...5).contains(command.stars) else { return .rejected(reason: "stars must be 1 to 5, got \(command.stars)") }
        guard !command.user.isEmpty else { return .rejected(reason: "a rating needs a user") }
        sequence += 1
        let json = #"{"type":"item-rated","item":"\#(command.item)","user":"\#(command.user)","stars":\#(command.stars)}"#
        let record = ProducerRecord(key: Array(command.item.utf8), value: Array(json.utf8),
                                    headers: [Header(key: "event-id", value: Array("cmd-\(time.milliseconds)-\(sequence)".utf8)),
                                              Header(key: "source", value: Array("ratings-example".utf8))],
                                    timestamp: time)
        let result = try log.append([record], to: topic, durable: true)[0]
        return .accepted(partition: result.topicPartition.partition, offset: result.firstOffset)
    }

    /// The item's document as a query reads it now.
    public func queryItem(_ item: String) -> ViewRow? { queries.row(item) }

    /// The projector's step: fold whatever the write side appended.
    @discardableResult
    public func refreshQueries() throws -> Int64 { try queries.run() }
}
