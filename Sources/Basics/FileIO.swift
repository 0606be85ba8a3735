#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's seam to the system's file calls: every open, positioned read and write, sync,
/// truncate, rename and unlink of SystemFile and FileSystem goes through `FileIO.current`. Tests
/// install a fault-injecting implementation (TestSupport's FaultyFileIO) to fail the Nth call with
/// EIO, ENOSPC or a short write, as SQLite's I/O-error tests do with their VFS, and then check what
/// a reopen with the real file system finds. Each call returns what the system call returns and
/// sets `errno` the same way, so the callers' error handling is the real one.
public protocol FileIO: AnyObject, Sendable {
    func open(_ path: String, flags: Int32, mode: mode_t) -> Int32
    func pread(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int
    func pwrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ offset: off_t) -> Int
    func fdatasync(_ descriptor: Int32) -> Int32
    /// Files and directories alike (a directory's fsync makes a create, rename or delete durable).
    func fsync(_ descriptor: Int32) -> Int32
    func ftruncate(_ descriptor: Int32, _ size: off_t) -> Int32
    func rename(_ from: String, _ to: String) -> Int32
    func unlink(_ path: String) -> Int32
    func close(_ descriptor: Int32) -> Int32
}

/// Where the implementation in use is kept. Installing is for tests, one at a time.
public enum FileIOSeam {
    static let lock = ConditionLock()
    nonisolated(unsafe) static var installed: any FileIO = SystemFileIO.shared

    /// The implementation in use: the system's unless a test installed another.
    public static var current: any FileIO { lock.withLock { installed } }

    /// Runs `body` with `io` in place of the system calls, then puts the system's back.
    public static func with<T>(_ io: any FileIO, _ body: () throws -> T) rethrows -> T {
        lock.withLock { installed = io }
        defer { lock.withLock { installed = SystemFileIO.shared } }
        return try body()
    }
}

/// The system calls themselves.
public final class SystemFileIO: FileIO {
    public static let shared = SystemFileIO()

    public func open(_ path: String, flags: Int32, mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
    public func pread(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int {
        Glibc.pread(descriptor, buffer, count, offset)
    }
    public func pwrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ offset: off_t) -> Int {
        Glibc.pwrite(descriptor, buffer, count, offset)
    }
    public func fdatasync(_ descriptor: Int32) -> Int32 { Glibc.fdatasync(descriptor) }
    public func fsync(_ descriptor: Int32) -> Int32 { Glibc.fsync(descriptor) }
    public func ftruncate(_ descriptor: Int32, _ size: off_t) -> Int32 { Glibc.ftruncate(descriptor, size) }
    public func rename(_ from: String, _ to: String) -> Int32 { Glibc.rename(from, to) }
    public func unlink(_ path: String) -> Int32 { Glibc.unlink(path) }
    public func close(_ descriptor: Int32) -> Int32 { Glibc.close(descriptor) }
}
