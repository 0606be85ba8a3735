#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `rewind.json` at the root of a log we created: topics and their settings. Kafka keeps these in
/// ZooKeeper/KRaft rather than beside the data, so a directory copied off a broker has no such
/// file; such a directory opens read-only with settings inferred from the partition directories.
struct LogMetadata: Codable, Equatable {
    static let fileName = "rewind.json"
    static let currentFormat = 1

    var format: Int = LogMetadata.currentFormat
    var topics: [String: TopicConfig] = [:]

    static func load(from directory: String) throws -> LogMetadata? {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return nil }
        let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: Limits.metadataFileBytesMax)
        do {
            let metadata = try JSONDecoder().decode(LogMetadata.self, from: Data(bytes))
            guard metadata.format == currentFormat else {
                throw EventLogError(.corruptMetadata, "unknown format \(metadata.format) (this build reads \(currentFormat))", path: path)
            }
            for (name, config) in metadata.topics {
                try TopicConfig.validateName(name)
                try config.validate(topic: name)
            }
            return metadata
        } catch let error as EventLogError {
            throw EventLogError(error.code, error.message, path: path)
        } catch {
            throw EventLogError(.corruptMetadata, "cannot parse", path: path, cause: "\(error)")
        }
    }

    func save(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try FileSystem.writeAtomically(Array(data) + [0x0A], to: directory + "/" + Self.fileName)
    }
}
