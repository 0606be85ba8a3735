/// Writing JSON text by hand into a byte buffer: exact control over output (field order, raw
/// values spliced in unchanged) and no intermediate objects on paths that print millions of events.
public enum JSONText {
    /// Appends `text` as a quoted JSON string, escaping what RFC 8259 requires.
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends UTF-8 bytes as a quoted JSON string (the caller guarantees they are valid UTF-8).
    /// Runs that need no escape are copied whole: most keys and values have no byte to escape.
    public static func appendString(_ utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        while index < utf8.count {
            // Eight bytes at a time while none needs an escape (no byte < 0x20, no quote, no
            // backslash: the word-at-a-time "has a zero / has less than" tests).
            if index + 8 <= utf8.count {
                let word = utf8.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let flagged = ((word &- ones &* 0x20) & ~word) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                if flagged & highs == 0 {
                    index += 8
                    continue
                }
            }
            let byte = utf8[index]
            index += 1
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index - 1 { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<(index - 1)])) }
            runStart = index
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        if runStart < utf8.count { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart...])) }
        out.append(UInt8(ascii: "\""))
    }

    public static func append(_ literal: String, to out: inout [UInt8]) {
        out.append(contentsOf: literal.utf8)
    }

    /// Bytes as JSON the way Rewind prints keys, values and header values: valid JSON spliced in as
    /// is (when `embedJSON`), else valid UTF-8 as a string, else `{"base64": "…"}`; nil as null.
    public static func appendBytes(_ bytes: UnsafeRawBufferPointer?, embedJSON: Bool, to out: inout [UInt8]) {
        guard let bytes else {
            append("null", to: &out)
            return
        }
        if embedJSON, !bytes.isEmpty, JSONScanner.isValid(bytes) {
            appendTrimmed(bytes, to: &out)
        } else if isValidUTF8(bytes) {
            appendString(bytes, to: &out)
        } else {
            append("{\"base64\":\"", to: &out)
            Base64.encode(bytes, into: &out)
            append("\"}", to: &out)
        }
    }

    /// Splices a valid JSON value, dropping newlines outside strings so one event stays one line.
    private static func appendTrimmed(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard bytes.contains(0x0A) || bytes.contains(0x0D) || bytes.first == 0x20 || bytes.last == 0x20 else {
            out.append(contentsOf: bytes)
            return
        }
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                out.append(byte)
            } else if byte == 0x22 {
                inString = true
                out.append(byte)
            } else if byte != 0x0A && byte != 0x0D && byte != 0x09 && byte != 0x20 {
                out.append(byte)
            }
        }
    }

    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // ASCII, eight bytes at a time, is most text; the decoder checks from the first other byte.
        var ascii = 0
        while ascii + 8 <= bytes.count, bytes.loadUnaligned(fromByteOffset: ascii, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { ascii += 8 }
        while ascii < bytes.count, bytes[ascii] < 0x80 { ascii += 1 }
        if ascii == bytes.count { return true }
        var iterator = UnsafeRawBufferPointer(rebasing: bytes[ascii...]).makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}

/// RFC 4648 base64, standard alphabet with padding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
            out.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encode($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var lookup = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { lookup[Int(byte)] = UInt8(index) }
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0 else { return nil }
            let value = lookup[Int(byte)]
            guard value != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        guard padding <= 2 else { return nil }
        return out
    }
}
