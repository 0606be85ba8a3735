// RateItem commands → item-rated events → a document view that stores each item with its ratings.
//
//   swift run ratings-example [--dir DIR]
import EventLog
import Glibc
import Projections

let arguments = Array(CommandLine.arguments.dropFirst())
let directory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] } ?? "/tmp/rewind-ratings-example-\(getpid())"
let log = try EventLog.open(directory, mode: .readWrite, create: true)
defer { log.close() }
if !log.topics().contains(where: { $0.name == "ratings" }) {
    try log.createTopic("ratings", config: TopicConfig(partitions: 2))
}

/// The command side: validates a RateItem command and turns it into an event.
@MainActor func rateItem(_ item: String, by user: String, stars: Int, at time: Int64) throws -> String {
    guard (1...5).contains(stars) else { return "✗ \(user) rates \(item) \(stars)★ → rejected: stars must be 1…5" }
    guard !item.isEmpty, !user.isEmpty else { return "✗ rejected: item and user are required" }
    let json = #"{"type":"item-rated","item":"\#(item)","user":"\#(user)","stars":\#(stars)}"#
    let result = try log.append([ProducerRecord(key: Array(item.utf8), value: Array(json.utf8),
                                                headers: [Header(key: "event-id", value: Array("rate-\(user)-\(item)-\(time)".utf8))],
                                                timestamp: Timestamp(milliseconds: time))], to: "ratings")[0]
    return "✓ \(user) rates \(item) \(String(repeating: "★", count: stars)) → ratings-\(result.topicPartition.partition)@\(result.firstOffset)"
}

var time: Int64 = 1_700_000_000_000
print("Ratings example — log in \(directory)\n")
for (item, user, stars) in [("espresso-machine", "ana", 5), ("espresso-machine", "ben", 4), ("moka-pot", "ana", 3),
                            ("espresso-machine", "cy", 7), ("moka-pot", "dee", 2), ("espresso-machine", "dee", 5)] {
    time += 60_000
    print(try rateItem(item, by: user, stars: stars, at: time))
}
let view = try ViewRunner(log: log, topic: "ratings", projection: RatingsProjection(), snapshots: nil)
try view.run()
print("\nThe document view — each item stored together with its ratings:")
for (item, document) in view.state.sorted(by: { $0.key < $1.key }) {
    let histogram = (1...5).map { "\($0)★:\(document.histogram[$0 - 1])" }.joined(separator: " ")
    print("  \(item): \(document.count) ratings, average \((document.average * 100).rounded() / 100), \(histogram)")
    for rating in document.recent { print("      \(rating.user) \(String(repeating: "★", count: rating.stars))") }
}
print("\nTry: rewind --dir \(directory) view ratings ratings")
