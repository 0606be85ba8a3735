import EventLog
import Glibc

/// Puts a log's files back on the disk, as a capture straight off an archive or a fresh mount is:
/// every file under a directory is synced (only clean pages can be dropped) and its pages dropped
/// with `posix_fadvise(POSIX_FADV_DONTNEED)`, which needs no root. `/proc/sys/vm/drop_caches` is
/// used as well where it is writable (root outside a container).
enum PageCache {
    /// Drops the cached pages of every regular file under `directory`; returns the files seen.
    @discardableResult
    static func evict(_ directory: String) -> Int {
        var files = 0
        forEachFile(under: directory) { path in
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            _ = fdatasync(fd)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            files += 1
        }
        if let file = try? SystemFile(path: "/proc/sys/vm/drop_caches", mode: .readWrite) {
            _ = try? file.write(Array("1\n".utf8), at: 0)
        }
        return files
    }

    /// Reads every file under `directory` once (read(2), 1 MiB at a time) so a warm measurement
    /// is warm: a log left evicted by the cold-open section otherwise pays a disk read on the first
    /// touch of every region a jump lands in. Returns the bytes read.
    @discardableResult
    static func warm(_ directory: String) -> Int {
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        forEachFile(under: directory) { path in
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                total += count
            }
        }
        return total
    }

    /// The share of `directory`'s pages that are in the page cache (mincore), to check an eviction
    /// took: 0 after `evict`, unless another process read the files meanwhile.
    static func residentFraction(_ directory: String) -> Double {
        var resident = 0, total = 0
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        forEachFile(under: directory) { path in
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0, status.st_size > 0 else { return }
            let size = Int(status.st_size)
            guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return }
            defer { munmap(map, size) }
            let pages = (size + pageSize - 1) / pageSize
            var vector = [UInt8](repeating: 0, count: pages)
            guard mincore(map, size, &vector) == 0 else { return }
            resident += vector.reduce(0) { $0 + Int($1 & 1) }
            total += pages
        }
        return total == 0 ? 0 : Double(resident) / Double(total)
    }

    /// Bytes this process has made the block layer read so far (/proc/self/io `read_bytes`): what
    /// an open really cost the disk, as opposed to what it found in the page cache.
    static func bytesReadFromDisk() -> Int64 {
        for line in procText("/proc/self/io").split(separator: "\n") where line.hasPrefix("read_bytes:") {
            return Int64(line.dropFirst("read_bytes:".count).trimmingCharacters(in: " ")) ?? 0
        }
        return 0
    }

    /// A /proc file's text (they report a size of 0, so read until end of file).
    static func procText(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = fread(&buffer, 1, buffer.count, file)
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    private static func forEachFile(under directory: String, _ body: (String) -> Void) {
        guard let names = try? FileSystem.listDirectory(directory) else { return }
        for name in names {
            let path = directory + "/" + name
            if FileSystem.isDirectory(path) { forEachFile(under: path, body) } else { body(path) }
        }
    }
}

private extension Substring {
    func trimmingCharacters(in character: Character) -> Substring {
        var text = self
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return text
    }
}
