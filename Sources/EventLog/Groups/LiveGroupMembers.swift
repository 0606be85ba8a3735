#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// `<log>/groups/.live-members`: how many members each consumer group has in the `rewind
/// serve` running on this log, so another process (`groups reset`) can refuse to move the offsets
/// of a group that is consuming. Group membership lives in the server's memory; the server
/// rewrites this file (atomically, not fsynced: it describes a running process, not data) when its
/// 250 ms expiry tick sees the counts change, so it lags a join or leave by at most that long.
///
/// A server killed with -9 leaves the file behind. It counts only while the process it names is
/// alive and the log's writer lock is held (the server holds it for as long as it runs), so a stale
/// file is ignored.
public enum LiveGroupMembers {
    // No `.json` suffix: every `groups/*.json` is a group's commit file.
    static let fileName = ".live-members"

    struct File: Codable, Equatable {
        var pid: Int32
        var groups: [String: Int]
    }

    static func path(_ logDirectory: String) -> String { logDirectory + "/groups/" + fileName }

    /// The server's side: publishes the member count of every group with members.
    public static func publish(_ counts: [String: Int], logDirectory: String) throws {
        try FileSystem.createDirectory(logDirectory + "/groups")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(File(pid: getpid(), groups: counts.filter { $0.value > 0 }))
        try FileSystem.writeAtomically(Array(data) + [0x0A], to: path(logDirectory), sync: false)
    }

    /// Members `group` has in a server running on the log now (0 when no server runs).
    public static func count(of group: String, logDirectory: String) throws -> Int {
        let path = path(logDirectory)
        guard FileSystem.exists(path) else { return 0 }
        let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: Limits.metadataFileBytesMax)
        guard let file = try? JSONDecoder().decode(File.self, from: Data(bytes)) else {
            throw EventLogError(.corruptMetadata, "cannot parse the live group members file", path: path)
        }
        guard kill(file.pid, 0) == 0 || errno == EPERM else { return 0 }
        if let lock = try? DirectoryLock(directory: logDirectory) {
            lock.release()
            return 0
        }
        return file.groups[group] ?? 0
    }
}
