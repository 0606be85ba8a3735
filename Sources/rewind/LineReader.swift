import Glibc

/// Reads lines from a file descriptor with one large buffer. Unlike stdio it can tell whether more
/// input is ready right now, so `produce` appends a batch as soon as a burst of lines ends instead
/// of waiting for a fixed count (interactive pipes stay live, bulk input still batches).
final class LineReader {
    private let descriptor: Int32
    private let name: String
    /// Bytes read from the descriptor so far (the import progress bar's numerator).
    private(set) var bytesRead: Int64 = 0
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0
    /// A single line longer than this is refused rather than buffered without bound.
    static let lineBytesMax = 64 << 20

    init(descriptor: Int32, name: String = "stdin") {
        self.descriptor = descriptor
        self.name = name
    }

    /// The next line without its newline, or nil at end of input.
    func nextLine() throws -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var line = Array(buffer[start..<newline])
                if line.last == 0x0D { line.removeLast() }
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                lineNumber += 1
                return line
            }
            guard buffer.count - start <= Self.lineBytesMax else {
                throw CommandFailure(message: "\(name):\(lineNumber + 1): line longer than \(Self.lineBytesMax) bytes")
            }
            try fill()
        }
    }

    /// True when a complete line is buffered or the descriptor has bytes ready without blocking.
    var hasReadyInput: Bool {
        if buffer[start...].contains(0x0A) { return true }
        if atEnd { return start < buffer.count }
        var descriptorState = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptorState, 1, 0) > 0
    }

    private func fill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 16
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + oldCount, chunk) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw CommandFailure(message: "cannot read \(name): \(String(cString: strerror(errno)))") }
            buffer.removeLast(chunk - got)
            bytesRead += Int64(got)
            if got == 0 { atEnd = true }
            return
        }
    }
}
