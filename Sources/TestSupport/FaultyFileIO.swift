#if canImport(Glibc)
import Glibc
#endif
import Basics

/// A `FileIO` that passes every call to the system's, counting the calls on paths under `root`, and
/// fails exactly one of them: call number `failing` (0-based), with the chosen fault. As SQLite's
/// I/O-error tests do, a sweep runs a workload once to count its calls, then once per call index and
/// fault, and checks what a reopen with the real file system finds.
public final class FaultyFileIO: FileIO, @unchecked Sendable {
    public enum Fault: String, CaseIterable, Sendable {
        /// The call fails with EIO.
        case eio
        /// The call fails with ENOSPC.
        case enospc
        /// A write stores half its bytes and reports that; the write of the rest then fails with
        /// ENOSPC (a disk that fills mid-write). Other calls fail with EIO.
        case shortWrite
    }

    /// What kind of call each counted index was, for naming the failing call in messages.
    public enum Call: String, Sendable { case open, pread, pwrite, fdatasync, fsync, ftruncate, rename, unlink }

    private let root: String
    private let failing: Int?
    private let failingKind: Call?
    private let fault: Fault
    private let lock = ConditionLock()
    private var paths: [Int32: String] = [:]
    private var shortWriteDescriptor: Int32?
    public private(set) var calls: [Call] = []
    /// The path of the failed call, once it failed.
    public private(set) var failedPath: String?
    public private(set) var failedCall: Call?
    private let system = SystemFileIO.shared

    /// `failing` nil only counts.
    public init(root: String, failing: Int?, fault: Fault = .eio) {
        self.root = root
        self.failing = failing
        failingKind = nil
        self.fault = fault
    }

    /// Fails the first call of one kind (say, the first fdatasync) instead of a numbered one.
    public init(root: String, failingFirst kind: Call, fault: Fault = .eio) {
        self.root = root
        failing = nil
        failingKind = kind
        self.fault = fault
    }

    public var callCount: Int { lock.withLock { calls.count } }

    /// Counts a call on `path`; true when this call is the one to fail.
    private func shouldFail(_ call: Call, path: String?) -> Bool {
        guard let path, path.hasPrefix(root) else { return false }
        return lock.withLock {
            let index = calls.count
            calls.append(call)
            guard index == failing || (failingKind == call && failedCall == nil) else { return false }
            failedPath = path
            failedCall = call
            return true
        }
    }

    private func fail(_ code: Int32) -> Int32 {
        errno = code
        return -1
    }

    private var errorCode: Int32 { fault == .enospc ? ENOSPC : EIO }

    /// Descriptors opened before this was installed are resolved through /proc.
    private func path(of descriptor: Int32) -> String? {
        if let known = lock.withLock({ paths[descriptor] }) { return known }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func open(_ path: String, flags: Int32, mode: mode_t) -> Int32 {
        if shouldFail(.open, path: path) { return fail(errorCode) }
        let descriptor = system.open(path, flags: flags, mode: mode)
        if descriptor >= 0 { lock.withLock { paths[descriptor] = path } }
        return descriptor
    }

    public func pread(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int {
        if shouldFail(.pread, path: path(of: descriptor)) { return Int(fail(errorCode)) }
        return system.pread(descriptor, buffer, count, offset)
    }

    public func pwrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ offset: off_t) -> Int {
        if lock.withLock({ shortWriteDescriptor == descriptor }) {
            lock.withLock { shortWriteDescriptor = nil }
            return Int(fail(ENOSPC))
        }
        if shouldFail(.pwrite, path: path(of: descriptor)) {
            guard fault == .shortWrite, count > 1 else { return Int(fail(errorCode)) }
            lock.withLock { shortWriteDescriptor = descriptor }
            return system.pwrite(descriptor, buffer, count / 2, offset)
        }
        return system.pwrite(descriptor, buffer, count, offset)
    }

    public func fdatasync(_ descriptor: Int32) -> Int32 {
        if shouldFail(.fdatasync, path: path(of: descriptor)) { return fail(errorCode) }
        return system.fdatasync(descriptor)
    }

    public func fsync(_ descriptor: Int32) -> Int32 {
        if shouldFail(.fsync, path: path(of: descriptor)) { return fail(errorCode) }
        return system.fsync(descriptor)
    }

    public func ftruncate(_ descriptor: Int32, _ size: off_t) -> Int32 {
        if shouldFail(.ftruncate, path: path(of: descriptor)) { return fail(errorCode) }
        return system.ftruncate(descriptor, size)
    }

    public func rename(_ from: String, _ to: String) -> Int32 {
        if shouldFail(.rename, path: from) { return fail(errorCode) }
        return system.rename(from, to)
    }

    public func unlink(_ path: String) -> Int32 {
        if shouldFail(.unlink, path: path) { return fail(errorCode) }
        return system.unlink(path)
    }

    public func close(_ descriptor: Int32) -> Int32 {
        lock.withLock { paths[descriptor] = nil }
        return system.close(descriptor)
    }
}
