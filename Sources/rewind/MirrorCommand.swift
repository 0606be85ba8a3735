import ArgumentParser
import Foundation
import EventLog
import KafkaClient
import NATS

struct MirrorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Publish a topic into a NATS JetStream stream or a Kafka topic, acknowledged and exactly once.",
        discussion: """
        Events go out in fold order (timestamp, partition, offset) to <subject>.<key> (keyless: <subject>),
        with headers kept, Nats-Msg-Id = topic/partition/offset and Rewind-Timestamp = the event's time.
        A re-run continues after the stream's last message; JetStream's duplicate window drops repeats.
          rewind mirror payments --to nats://127.0.0.1:4222/PAYMENTS --create
        Into Kafka, partition p goes to p with an idempotent producer; the target (created with the
        topic's partition count when missing) is the progress record: a re-run continues after the
        records it already holds.
          rewind mirror payments --to kafka://127.0.0.1:9092[/TARGET]
        """)

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "Topic to publish.") var topic: String
    @Option(help: "Target: nats://[user:pass@]HOST:PORT[,HOST:PORT…]/STREAM or kafka://HOST:PORT[,HOST:PORT…][/TOPIC].") var to: String
    @Flag(help: "Create the stream when missing (subjects <subject> and <subject>.>).") var create = false
    @Option(help: "Replicas of a created stream.") var replicas: Int = 1
    @Option(help: "Subject prefix (default: the topic name).") var subject: String?
    @Option(help: "Publishes in flight before waiting for acknowledgements.") var window: Int = 2048

    func validate() throws {
        if window < 1 || window > 65_536 { throw ValidationError("--window must be within 1...65536") }
        if replicas < 1 || replicas > 5 { throw ValidationError("--replicas must be within 1...5") }
    }

    func run() throws {
        if KafkaURL.isKafka(to) { return try mirrorIntoKafka() }
        let url = try NATSURL(parsing: to)
        guard let stream = url.stream else { throw CommandFailure(message: "--to needs a stream: nats://HOST:PORT/STREAM") }
        let eventLog = try log.openForReading()
        defer { eventLog.close() }
        let connection = try NATSConnection(url: url)
        defer { connection.close() }
        let jetStream = JetStream(connection: connection)
        try jetStream.checkEnabled()
        let mirror = JetStreamMirror(jetStream: jetStream, stream: stream, subjectPrefix: subject ?? topic)
        mirror.windowMessages = window
        if create { try mirror.createStreamIfMissing(replicas: replicas) } else { _ = try jetStream.streamInfo(stream) }
        let report = try mirror.mirror(log: eventLog, topic: topic, now: monotonicSeconds)
        let rate = report.seconds > 0 ? Int(Double(report.published + report.duplicates) / report.seconds) : 0
        Output.standard.line("mirrored \(report.published) events into \(stream) (\(report.duplicates) already there, \(report.skipped) skipped on resume, \(report.resent) re-sent) in \(String(format: "%.2f", report.seconds)) s, \(rate) events/s")
    }
}
