import Decoding
import EventLog

/// The schemas a Confluent schema registry keeps in its `_schemas` topic, read through any
/// source: a captured Kafka dir, a Rewind log, a live cluster. Registered schemas decode framed
/// Avro/Protobuf values as they do for a capture.
public enum SchemasTopic {
    public static let name = "_schemas"
    /// Registrations read at most: real registries hold thousands; this bounds a garbage topic.
    static var recordsMax: Int { 1_000_000 }

    /// nil when the source has no `_schemas` topic.
    public static func registry(in source: LogSource) throws -> SchemaRegistry? {
        guard try source.topicNames().contains(name) else { return nil }
        var records: [(key: [UInt8]?, value: [UInt8]?)] = []
        for partition in try source.partitionNumbers(of: name) {
            let id = TopicPartition(topic: name, partition: partition)
            try source.forEachRecord(id, from: try source.startOffset(of: id)) { record in
                records.append((record.key, record.value))
                return records.count < recordsMax
            }
        }
        return SchemaRegistry.fromSchemasTopic(records)
    }
}
