import Glibc

/// The single-writer guarantee: an advisory `flock` on `<log>/.lock`, held for as long as the log
/// is open for writing. The kernel drops it when the process dies, so a crash never leaves a stale
/// lock behind. Read-only opens take no lock and create no file.
final class DirectoryLock {
    private let file: SystemFile

    init(directory: String) throws {
        let path = directory + "/.lock"
        file = try SystemFile(path: path, mode: FileSystem.exists(path) ? .readWrite : .createOrTruncate)
        guard flock(file.descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let cause = String(cString: strerror(errno))
            file.close()
            throw EventLogError(.locked, "another process has this log open for writing", path: directory, cause: cause)
        }
    }

    func release() {
        _ = flock(file.descriptor, LOCK_UN)
        file.close()
    }
}
