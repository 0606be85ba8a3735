import Basics
import Glibc

/// A fresh directory under $TMPDIR, deleted by `remove()` (tests call it in `defer`).
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "rewind-test") throws {
        let base = getenvString("TMPDIR") ?? "/tmp"
        var template = Array("\(base)/\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw EventLogError(.io, "cannot create temporary directory", path: base)
        }
        path = String(cString: made)
    }

    public func remove() { try? FileSystem.removeTree(path) }

    public func appending(_ component: String) -> String { path + "/" + component }
}

/// Every file below a directory with its bytes and mode: taken before and after an operation, equal
/// snapshots prove the operation changed nothing (not a byte, not a file added or removed).
public struct DirectorySnapshot: Equatable, CustomStringConvertible {
    public let files: [String: [UInt8]]

    public init(_ root: String) throws {
        var files: [String: [UInt8]] = [:]
        try Self.collect(root, relative: "", into: &files)
        self.files = files
    }

    private static func collect(_ root: String, relative: String, into files: inout [String: [UInt8]]) throws {
        let path = relative.isEmpty ? root : root + "/" + relative
        if FileSystem.isDirectory(path) {
            files[relative + "/"] = []
            for name in try FileSystem.listDirectory(path) {
                try collect(root, relative: relative.isEmpty ? name : relative + "/" + name, into: &files)
            }
        } else {
            files[relative] = try SystemFile(path: path, mode: .readOnly).readAll(limit: 1 << 30)
        }
    }

    public var description: String {
        files.keys.sorted().map { "\($0) (\(files[$0]!.count) bytes)" }.joined(separator: "\n")
    }
}

/// Copies a directory tree (test data is read-only; damage tests work on copies).
public func copyTree(_ source: String, to destination: String) throws {
    if FileSystem.isDirectory(source) {
        try FileSystem.createDirectory(destination)
        for name in try FileSystem.listDirectory(source) {
            try copyTree(source + "/" + name, to: destination + "/" + name)
        }
    } else {
        let bytes = try SystemFile(path: source, mode: .readOnly).readAll(limit: 1 << 30)
        let out = try SystemFile(path: destination, mode: .createOrTruncate)
        try out.write(bytes, at: 0)
    }
}

/// Where ../shared/testdata is, from the package root (tests run with the package root as cwd).
public func sharedTestData(_ relative: String) -> String {
    let root = getenvString("REWIND_SHARED") ?? "../shared"
    return FileSystem.absolute(root + "/testdata/" + relative)
}
