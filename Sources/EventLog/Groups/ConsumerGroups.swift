#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Committed offsets of consumer groups, one file per group: `groups/<group>.json`, replaced
/// atomically (write, fsync, rename, fsync directory), so a crash leaves the old or the new commit,
/// never a mix. A committed offset is the next offset the group will read, as in Kafka.
public final class ConsumerGroups: @unchecked Sendable {
    public let directory: String
    let writable: Bool
    private let lock = ConditionLock()

    struct File: Codable, Equatable {
        var group: String
        /// topic → partition (as a string, JSON keys are strings) → next offset to read.
        var offsets: [String: [String: Int64]]
    }

    public init(logDirectory: String, writable: Bool) {
        self.directory = logDirectory + "/groups"
        self.writable = writable
    }

    public func list() throws -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.listDirectory(directory).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
    }

    public func committed(_ group: String) throws -> [TopicPartition: Offset] {
        try Self.validateName(group)
        let path = directory + "/" + group + ".json"
        guard FileSystem.exists(path) else { return [:] }
        let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: Limits.metadataFileBytesMax)
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw EventLogError(.corruptMetadata, "cannot parse consumer group file", path: path, cause: "\(error)")
        }
        var result: [TopicPartition: Offset] = [:]
        for (topic, partitions) in file.offsets {
            for (partition, offset) in partitions {
                guard let number = Int32(partition), number >= 0, offset >= 0 else {
                    throw EventLogError(.corruptMetadata, "bad entry \(topic)/\(partition)=\(offset)", path: path)
                }
                result[TopicPartition(topic: topic, partition: number)] = Offset(offset)
            }
        }
        return result
    }

    /// Merges `offsets` into the group's committed offsets and makes them durable.
    public func commit(_ group: String, _ offsets: [TopicPartition: Offset]) throws {
        guard writable else { throw EventLogError(.readOnly, "cannot commit offsets of group '\(group)' in a read-only log") }
        try lock.withLock {
            var current = try committed(group)
            for (partition, offset) in offsets { current[partition] = offset }
            var file = File(group: group, offsets: [:])
            for (partition, offset) in current {
                file.offsets[partition.topic, default: [:]][String(partition.partition)] = offset.rawValue
            }
            try FileSystem.createDirectory(directory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try FileSystem.writeAtomically(Array(try encoder.encode(file)) + [0x0A], to: directory + "/" + group + ".json")
        }
    }

    static func validateName(_ group: String) throws {
        let allowed = group.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard !group.isEmpty, group.utf8.count <= 200, allowed, !group.hasPrefix(".") else {
            throw EventLogError(.invalidArgument, "invalid group name '\(group)': use 1-200 of [A-Za-z0-9._-], not starting with '.'")
        }
    }
}
