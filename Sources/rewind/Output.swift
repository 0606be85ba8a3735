import Glibc

/// Buffered standard output: one write(2) per 64 KiB instead of per line, which is most of the cost
/// of printing millions of events. A closed pipe (`| head`) ends the program quietly.
final class Output {
    nonisolated(unsafe) static let standard = Output(descriptor: 1)
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private static let flushBytes = 64 << 10

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.flushBytes * 2)
    }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushBytes { flush() }
    }

    /// Lets `body` append to the buffer in place (no array per line), then flushes when it is full.
    func append(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        if buffer.count >= Self.flushBytes { flush() }
    }

    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= Self.flushBytes { flush() }
    }

    func flush() {
        var done = 0
        while done < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { Glibc.exit(0) }
                return
            }
            done += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// A note for people (repairs, progress): standard error, so standard output stays data.
    static func note(_ text: String) {
        standard.flush() // keep notes after the data they follow on a shared terminal
        let line = "rewind: \(text)\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
