/// An incremental parser of the server-to-client protocol. Feed it bytes as they arrive, in any
/// pieces; `next()` returns whole operations:
///
///     INFO {json}\r\n
///     MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n
///     HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>\r\n<headers><payload>\r\n
///     PING\r\n  PONG\r\n  +OK\r\n  -ERR '<message>'\r\n
///
/// Verbs are case-insensitive, fields are separated by spaces or tabs. A control line longer than
/// `NATSLimits.controlLineBytesMax`, a size above `maxMessageBytes`, or a payload not followed by
/// CRLF is a protocol violation: the connection is dropped rather than buffer without bound.
public struct ProtocolParser {
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var pendingMessage: (subject: String, sid: Int, replyTo: String?, headerBytes: Int, totalBytes: Int)?
    public let maxMessageBytes: Int

    public init(maxMessageBytes: Int = NATSLimits.messageBytesMax) {
        precondition(maxMessageBytes > 0 && maxMessageBytes <= NATSLimits.messageBytesMax)
        self.maxMessageBytes = maxMessageBytes
    }

    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        // Drop what was parsed once it is most of the buffer: amortised O(1) per byte.
        if consumed > 0 && consumed * 2 >= buffer.count {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole operation, nil when more bytes are needed.
    public mutating func next() throws -> ServerOperation? {
        if let pending = pendingMessage { return try messageBody(pending) }
        guard let lineEnd = findLineEnd() else {
            if buffer.count - consumed > NATSLimits.controlLineBytesMax {
                throw NATSError(.protocolViolation, "control line longer than \(NATSLimits.controlLineBytesMax) bytes")
            }
            return nil
        }
        let line = buffer[consumed..<lineEnd]
        guard line.count <= NATSLimits.controlLineBytesMax else {
            throw NATSError(.protocolViolation, "control line longer than \(NATSLimits.controlLineBytesMax) bytes")
        }
        consumed = lineEnd + 2
        return try operation(line)
    }

    private func findLineEnd() -> Int? {
        var index = consumed
        let limit = min(buffer.count - 1, consumed + NATSLimits.controlLineBytesMax + 1)
        while index < limit {
            if buffer[index] == 0x0D && buffer[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    private mutating func operation(_ line: ArraySlice<UInt8>) throws -> ServerOperation? {
        let verbEnd = line.firstIndex { $0 == 0x20 || $0 == 0x09 } ?? line.endIndex
        let verb = String(decoding: line[line.startIndex..<verbEnd], as: UTF8.self).uppercased()
        let rest = line[verbEnd...]
        switch verb {
        case "MSG", "HMSG":
            let fields = rest.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(decoding: $0, as: UTF8.self) }
            let hasHeaders = verb == "HMSG"
            let sizes = hasHeaders ? 2 : 1
            guard fields.count == 2 + sizes || fields.count == 3 + sizes else {
                throw NATSError(.protocolViolation, "\(verb) line has \(fields.count) fields")
            }
            guard let sid = Int(fields[1]), let total = Int(fields[fields.count - 1]), total >= 0 else {
                throw NATSError(.protocolViolation, "\(verb) line has a bad sid or size")
            }
            let headerBytes = hasHeaders ? (Int(fields[fields.count - 2]) ?? -1) : 0
            guard headerBytes >= 0, headerBytes <= total else {
                throw NATSError(.protocolViolation, "\(verb) header size \(headerBytes) is outside 0...\(total)")
            }
            guard total <= maxMessageBytes else {
                throw NATSError(.protocolViolation, "\(verb) of \(total) bytes exceeds the \(maxMessageBytes)-byte limit")
            }
            let replyTo = fields.count == 3 + sizes ? fields[2] : nil
            pendingMessage = (fields[0], sid, replyTo, headerBytes, total)
            return try messageBody(pendingMessage!)
        case "INFO":
            return .info(json: Array(rest.drop { $0 == 0x20 || $0 == 0x09 }))
        case "PING": return .ping
        case "PONG": return .pong
        case "+OK": return .ok
        case "-ERR":
            var text = String(decoding: rest, as: UTF8.self).trimmingSpaces
            if text.hasPrefix("'") && text.hasSuffix("'") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return .error(text)
        default:
            throw NATSError(.protocolViolation, "unknown operation '\(verb.prefix(16))'")
        }
    }

    private mutating func messageBody(_ pending: (subject: String, sid: Int, replyTo: String?, headerBytes: Int, totalBytes: Int)) throws -> ServerOperation? {
        let available = buffer.count - consumed
        guard available >= pending.totalBytes + 2 else { return nil }
        let start = consumed
        let end = start + pending.totalBytes
        guard buffer[end] == 0x0D, buffer[end + 1] == 0x0A else {
            throw NATSError(.protocolViolation, "message payload on \(pending.subject) is not followed by CRLF")
        }
        let headers = pending.headerBytes > 0 ? try NATSHeaders(parsing: buffer[start..<(start + pending.headerBytes)]) : nil
        let payload = Array(buffer[(start + pending.headerBytes)..<end])
        consumed = end + 2
        pendingMessage = nil
        return .message(NATSMessage(subject: pending.subject, sid: pending.sid, replyTo: pending.replyTo, headers: headers, payload: payload))
    }
}
