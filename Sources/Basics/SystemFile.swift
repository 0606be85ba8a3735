#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor with the path it came from, so every failure names the file. This is
/// the engine's only door to file I/O: positioned reads and writes, sync, truncate, each through
/// the `FileIO` seam (so tests can inject faults at any of them).
public final class SystemFile: @unchecked Sendable {
    public let path: String
    public let descriptor: Int32
    private var closed = false

    public enum Mode: Sendable {
        case readOnly
        case readWrite
        /// Create (fail if it exists), read-write.
        case createNew
        /// Create or truncate, read-write.
        case createOrTruncate
    }

    public init(path: String, mode: Mode) throws {
        self.path = path
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY
        case .readWrite: flags = O_RDWR
        case .createNew: flags = O_RDWR | O_CREAT | O_EXCL
        case .createOrTruncate: flags = O_RDWR | O_CREAT | O_TRUNC
        }
        let descriptor = FileIOSeam.current.open(path, flags: flags | O_CLOEXEC, mode: 0o644)
        guard descriptor >= 0 else { throw SystemFile.error("cannot open", path: path) }
        self.descriptor = descriptor
    }

    deinit { if !closed { _ = Glibc.close(descriptor) } }

    public func close() {
        guard !closed else { return }
        closed = true
        _ = FileIOSeam.current.close(descriptor)
    }

    public func size() throws -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemFile.error("cannot stat", path: path) }
        return Int64(info.st_size)
    }

    /// Reads exactly `count` bytes at `position` (fewer only at end of file).
    public func read(at position: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try read(into: $0, at: position) }
        if got < count { bytes.removeLast(count - got) }
        return bytes
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let result = FileIOSeam.current.pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw SystemFile.error("cannot read", path: path, position: position + Int64(done))
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    public func readAll(limit: Int) throws -> [UInt8] {
        let size = try size()
        guard size <= Int64(limit) else {
            throw EventLogError(.invalidArgument, "file is \(size) bytes, larger than the \(limit)-byte limit", path: path)
        }
        return try read(at: 0, count: Int(size))
    }

    /// Writes all of `bytes` at `position`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws {
        var done = 0
        while done < bytes.count {
            let result = FileIOSeam.current.pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw SystemFile.error("cannot write", path: path, position: position + Int64(done))
            }
            done += result
        }
    }

    public func write(_ bytes: [UInt8], at position: Int64) throws {
        try bytes.withUnsafeBytes { try write($0, at: position) }
    }

    /// fdatasync: the data and the size are durable, other metadata may lag (enough for an append-only file).
    public func syncData() throws {
        while FileIOSeam.current.fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw SystemFile.error("cannot sync", path: path)
        }
    }

    public func sync() throws {
        while FileIOSeam.current.fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw SystemFile.error("cannot sync", path: path)
        }
    }

    public func truncate(to size: Int64) throws {
        guard FileIOSeam.current.ftruncate(descriptor, off_t(size)) == 0 else { throw SystemFile.error("cannot truncate", path: path, position: size) }
    }

    static func error(_ what: String, path: String, position: Int64? = nil) -> EventLogError {
        let code = errno
        let cause = String(cString: strerror(code))
        let kind: EventLogError.Code = code == ENOENT ? .notFound : .io
        return EventLogError(kind, what, path: path, position: position, cause: cause)
    }
}

/// Directory and path operations, each failing with the path named.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func fileSize(_ path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemFile.error("cannot stat", path: path) }
        return Int64(info.st_size)
    }

    public static func createDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw SystemFile.error("cannot create directory", path: path) }
    }

    public static func createDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            try createDirectory(current)
        }
    }

    public static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw SystemFile.error("cannot list directory", path: path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public static func remove(_ path: String) throws {
        guard FileIOSeam.current.unlink(path) == 0 || errno == ENOENT else { throw SystemFile.error("cannot delete", path: path) }
    }

    public static func removeDirectory(_ path: String) throws {
        guard rmdir(path) == 0 else { throw SystemFile.error("cannot delete directory", path: path) }
    }

    /// Deletes a directory tree; for temporary directories and failed imports only.
    public static func removeTree(_ path: String) throws {
        if isDirectory(path) {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            try removeDirectory(path)
        } else {
            try remove(path)
        }
    }

    public static func rename(_ from: String, to: String) throws {
        guard FileIOSeam.current.rename(from, to) == 0 else { throw SystemFile.error("cannot rename to \(to)", path: from) }
    }

    /// fsyncs a directory so a create, rename or delete inside it survives a crash.
    public static func syncDirectory(_ path: String) throws {
        let file = try SystemFile(path: path, mode: .readOnly)
        try file.sync()
    }

    /// Replaces `path` atomically: write a temporary file, fsync it, rename over, fsync the directory.
    /// Crash points: before the rename the old file is intact (a stale `.tmp` is ignored and
    /// overwritten next time); after it, the new one is complete. With `sync` false (caches that
    /// are rebuilt when lost, like view snapshots) the fsyncs are skipped: a crash may then leave
    /// an unreadable file under the final name, which readers treat as absent.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, sync: Bool = true) throws {
        let temporary = path + ".tmp"
        let file = try SystemFile(path: temporary, mode: .createOrTruncate)
        try file.write(bytes, at: 0)
        if sync { try file.sync() }
        file.close()
        try rename(temporary, to: path)
        if sync { try syncDirectory(parent(of: path)) }
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path == "." ? cwd : cwd + "/" + path
    }
}
