import EventLog
import LogSources

extension ImportCommand {
    /// `import nats://HOST:PORT/STREAM --topic T` (any source URL naming one topic): the topic
    /// becomes a new one with the same partitions, all or nothing like every import; offsets,
    /// timestamps, keys and headers kept (for a stream: offset = sequence, time = stored time,
    /// key = subject).
    func importFromSource() throws {
        let source = try LogSourceFactory.open(file)
        defer { source.close() }
        let names = try source.topicNames()
        guard names.count == 1, let from = names.first else {
            throw CommandFailure(message: "\(file): name the one topic or stream to import (e.g. nats://HOST:PORT/STREAM)")
        }
        let numbers = try source.partitionNumbers(of: from)
        let eventLog = try log.openForWriting()
        defer { eventLog.close() }
        var copied = 0
        try eventLog.importTopic(topic, config: TopicConfig(partitions: Int32(numbers.count))) { staged in
            for (index, number) in numbers.enumerated() {
                let partition = TopicPartition(topic: from, partition: number)
                copied += try SourceCopy.copy(from: source, partition, start: try source.startOffset(of: partition), into: staged.partition(Int32(index)))
            }
        }
        Output.standard.line("imported \(copied) events of \(from) into \(topic) (\(numbers.count) partition\(numbers.count == 1 ? "" : "s"), offsets kept)")
    }
}
