// The crash-safe step of `rewind repair` and `rewind compact`: a partition's new files are written beside the old ones,
// then a journal names every rename that installs them, then the renames run, then the journal goes.
//
//   <partition>/repair.journal   text, one rename a line: "<from>\t<to>\n" (names inside the
//                                partition directory), then a last line "end\n"
//
// Crash points, and what the next writable open (or `rewind repair`) does:
//   1. while new files are written as `*.repairing`: no journal exists, the old files are intact;
//      the `*.repairing` files are deleted and the log is as it was before the repair.
//   2. while the journal is written (a temporary file, fsynced, renamed into place, directory
//      fsynced): before the rename, case 1; after it, case 3. A journal without its "end" line is
//      ignored as case 1 (it can only be a torn write of the temporary).
//   3. during the renames: every rename in the journal whose source still exists is done again
//      (rename is atomic and the sources are complete, fsynced files), then the journal is deleted.
//   4. after the journal is deleted: the repair is complete.
// So a kill -9 at any point leaves either the old file set or the new one, never a mix, once the
// next writable open has run. A file the new set drops (a segment compaction merged into the one
// before it) is a rename to a pending name, which step 3 then deletes: the journal stays renames only.
enum RepairJournal {
    static let fileName = "repair.journal"
    static let pendingSuffix = ".repairing"

    /// Installs `renames` (from → to, names inside `directory`) through the journal.
    static func commit(_ renames: [(from: String, to: String)], in directory: String) throws {
        var text = ""
        for rename in renames {
            precondition(!rename.from.contains("\t") && !rename.from.contains("\n") && !rename.to.contains("\n"))
            text += "\(rename.from)\t\(rename.to)\n"
        }
        text += "end\n"
        try FileSystem.writeAtomically(Array(text.utf8), to: directory + "/" + fileName)
        try finish(in: directory)
    }

    /// Completes an interrupted repair (crash point 3) or discards one that never committed (1).
    /// Returns whether anything was there to do.
    @discardableResult
    static func finish(in directory: String) throws -> Bool {
        let journalPath = directory + "/" + fileName
        var acted = false
        if FileSystem.exists(journalPath) {
            let bytes = try SystemFile(path: journalPath, mode: .readOnly).readAll(limit: Limits.metadataFileBytesMax)
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count >= 2, lines[lines.count - 2] == "end" {
                for line in lines.dropLast(2) {
                    let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
                    guard parts.count == 2, !parts[0].contains("/"), !parts[1].contains("/") else {
                        throw EventLogError(.corruptMetadata, "unreadable repair journal line '\(line)'", path: journalPath)
                    }
                    let from = directory + "/" + parts[0]
                    if FileSystem.exists(from) { try FileSystem.rename(from, to: directory + "/" + parts[1]) }
                }
                try FileSystem.syncDirectory(directory)
            }
            try FileSystem.remove(journalPath)
            acted = true
        }
        for name in try FileSystem.listDirectory(directory) where name.hasSuffix(pendingSuffix) || name == fileName + ".tmp" {
            try FileSystem.remove(directory + "/" + name)
            acted = true
        }
        if acted { try FileSystem.syncDirectory(directory) }
        return acted
    }

    /// The rename that removes `name` once the journal commits (see the header).
    static func discard(_ name: String) -> (from: String, to: String) {
        (name, name + ".discarded" + pendingSuffix)
    }

    /// Writes `bytes` as `<name>.repairing`, fsynced, and returns the rename that installs it.
    static func stage(_ bytes: [UInt8], as name: String, in directory: String) throws -> (from: String, to: String) {
        let pending = name + pendingSuffix
        let file = try SystemFile(path: directory + "/" + pending, mode: .createOrTruncate)
        defer { file.close() }
        try file.write(bytes, at: 0)
        try file.sync()
        return (pending, name)
    }
}
