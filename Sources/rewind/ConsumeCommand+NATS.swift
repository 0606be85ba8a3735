import Glibc
import EventLog
import NATS

extension ConsumeCommand {
    /// `consume STREAM --dir nats://…`: straight through the LogSource (pull consumer, direct
    /// gets, seek by time with a by_start_time consumer). Offsets are stream sequences.
    func runOverJetStream() throws {
        if group != nil {
            throw CommandFailure(message: "--group is not supported over nats:// (JetStream durable consumers are listed by `rewind groups describe --dir nats://…`)")
        }
        if let partition, partition != 0 { throw CommandFailure(message: "a stream has one partition (0), not \(partition)") }
        let source = try log.openJetStream()
        defer { source.close() }
        let tp = TopicPartition(topic: topic, partition: 0)
        _ = try source.partitionNumbers(of: topic)
        let start: Offset
        if let at {
            start = try source.offset(forTimestamp: try TimeExpression.parse(at, now: WallClock.now()), in: tp)
        } else if let offset, offset == "latest" {
            start = try source.endOffset(of: tp)
        } else if let offset, offset != "earliest" {
            guard let value = Int64(offset) else { throw CommandFailure(message: "--offset '\(offset)': expected a number, 'earliest' or 'latest'") }
            start = Offset(value)
        } else {
            start = try source.startOffset(of: tp)
        }
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
        try SourceConsumer.run(source, topic: topic, from: start, max: max, follow: follow, stop: { stopRequested != 0 })
    }
}
