// A stream-processing stage: payments → enrich → payments-flagged, restart-safe.
//
//   swift run pipeline-example [--dir DIR] [--follow]
// Kill it at any moment and start it again: it resumes from its committed offsets, rebuilds its
// state by replaying the stream, and never publishes a flag twice.
import EventLog
import Glibc
import Scenarios

let arguments = Array(CommandLine.arguments.dropFirst())
let directory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] } ?? "/tmp/rewind-pipeline-example"
let log = try EventLog.open(directory, mode: .readWrite, create: true)
defer { log.close() }
let topics = Set(log.topics().map(\.name))
if !topics.contains("payments") {
    try log.createTopic("payments", config: TopicConfig(partitions: 3))
    var generator = BankGenerator(seed: 11, accounts: 40, start: Timestamp(milliseconds: 1_700_000_000_000), spanMs: 86_400_000, events: 5000)
    _ = try log.append(generator.generate(5000), to: "payments")
    print("generated 5000 payments into \(directory)")
}
if !topics.contains("payments-flagged") { try log.createTopic("payments-flagged", config: TopicConfig(partitions: 1)) }

let pipeline = FraudPipeline(log: log)
repeat {
    let report = try pipeline.run()
    if report.processed > 0 || !arguments.contains("--follow") {
        print("processed \(report.processed) payments, published \(report.published) flags" +
              (report.alreadyPublished > 0 ? ", skipped \(report.alreadyPublished) already published before a restart" : ""))
    }
    if arguments.contains("--follow") { sleep(1) }
} while arguments.contains("--follow")
let flagged = try log.partition(TopicPartition(topic: "payments-flagged", partition: 0))
print("payments-flagged holds \(try flagged.endOffset()) flags; the last ones:")
for record in try flagged.read(from: Offset(max(0, try flagged.endOffset().rawValue - 3)), maxRecords: 3) {
    print("  " + String(decoding: record.value!, as: UTF8.self))
}
print("Run me again: nothing is published twice. Inspect: rewind --dir \(directory) groups describe")
