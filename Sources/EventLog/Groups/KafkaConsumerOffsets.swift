
// Committed offsets in a captured broker's `__consumer_offsets` topic (Kafka's group coordinator
// log). Keys and values are big-endian, version first:
//
//   key v0/v1 (offset commit): version int16 | group string | topic string | partition int32
//   key v2 (group metadata):   version int16 | group string                   (skipped here)
//   value v0: version | offset int64 | metadata string | commit timestamp int64
//   value v1: … v0 … | expire timestamp int64
//   value v2: offset int64 | metadata string | commit timestamp int64
//   value v3: offset int64 | leader epoch int32 | metadata string | commit timestamp int64
//   value v4: as v3 with compact strings (unsigned varint length + 1) and tagged fields
//   strings: int16 length + UTF-8 (-1 = null); a null value (tombstone) deletes the commit.
//
// The topic is compacted and replayed in order: the last record per (group, topic, partition) wins.
public enum KafkaConsumerOffsets {
    public static let topic = "__consumer_offsets"

    /// Latest committed offsets by group, or nil when the log has no `__consumer_offsets`.
    public static func committed(in log: EventLog) throws -> [String: [TopicPartition: Offset]]? {
        guard log.topics().contains(where: { $0.name == topic }) else { return nil }
        var commits: [String: [TopicPartition: Offset]] = [:]
        for partition in try log.partitions(of: topic) {
            try partition.forEachRecord(from: partition.startOffset) { view, batch in
                guard !batch.header.isControl, let key = view.key, let parsed = parseKey(key) else { return true }
                if let value = view.value, let offset = parseOffset(value) {
                    commits[parsed.group, default: [:]][parsed.partition] = Offset(offset)
                } else if view.value == nil {
                    commits[parsed.group]?[parsed.partition] = nil
                }
                return true
            }
        }
        return commits.filter { !$0.value.isEmpty }
    }

    static func parseKey(_ bytes: UnsafeRawBufferPointer) -> (group: String, partition: TopicPartition)? {
        var reader = Reader(bytes)
        guard let version = reader.int16(), version == 0 || version == 1,
              let group = reader.string(), let topic = reader.string(), let partition = reader.int32() else { return nil }
        return (group, TopicPartition(topic: topic, partition: partition))
    }

    static func parseOffset(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var reader = Reader(bytes)
        guard let version = reader.int16(), (0...4).contains(version) else { return nil }
        return reader.int64()
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func int16() -> Int16? { integer(Int16.self) }
        mutating func int32() -> Int32? { integer(Int32.self) }
        mutating func int64() -> Int64? { integer(Int64.self) }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard position + MemoryLayout<T>.size <= bytes.count else { return nil }
            var value: T = 0
            for index in 0..<MemoryLayout<T>.size { value = value << 8 | T(bytes[position + index]) }
            position += MemoryLayout<T>.size
            return value
        }

        mutating func string() -> String? {
            guard let length = int16(), length >= 0, position + Int(length) <= bytes.count else { return nil }
            defer { position += Int(length) }
            return String(decoding: bytes[position..<(position + Int(length))], as: UTF8.self)
        }
    }
}
