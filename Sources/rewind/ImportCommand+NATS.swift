import EventLog
import NATS

extension ImportCommand {
    /// `import nats://HOST:PORT/STREAM --topic T`: the stream becomes a new one-partition topic,
    /// all or nothing like every import; offset = sequence, time = stored time, key = subject,
    /// headers kept.
    func importStream() throws {
        let url = try NATSURL(parsing: file)
        guard let stream = url.stream else { throw CommandFailure(message: "name the stream to import: nats://HOST:PORT/STREAM") }
        let source = try JetStreamSource(url: url)
        defer { source.close() }
        let eventLog = try log.openForWriting()
        defer { eventLog.close() }
        var copied = 0
        let partition = TopicPartition(topic: stream, partition: 0)
        try eventLog.importTopic(topic, config: TopicConfig(partitions: 1)) { staged in
            copied = try SourceCopy.copy(from: source, partition, start: try source.startOffset(of: partition), into: staged.partition(0))
        }
        Output.standard.line("imported \(copied) messages of stream \(stream) into \(topic) (1 partition, offsets = stream sequences)")
    }
}
