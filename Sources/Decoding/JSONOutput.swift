import Payloads

/// Appending JSON tokens straight into a byte buffer: the decoders' hot path writes every value
/// here without building Strings or intermediate trees.
enum JSONOutput {
    private static let hexDigits: StaticString = "0123456789abcdef"

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Decimal digits of `value`, written backwards into a small stack buffer (no String).
    @inline(__always)
    static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        if value >= 0 && value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) &+ 0x30)
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendUInt(value.magnitude, to: &out)
    }

    static func appendUInt(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var index = 20
            repeat {
                index -= 1
                digits[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                rest /= 10
            } while rest != 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index..<20]))
        }
    }

    /// Shortest round-trip text of a double (Swift's `description`); JSON has no NaN or infinity,
    /// so those become strings "NaN", "Infinity", "-Infinity" as in proto3's JSON mapping.
    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { return appendLiteral("\"NaN\"", to: &out) }
        if value.isInfinite { return value < 0 ? appendLiteral("\"-Infinity\"", to: &out) : appendLiteral("\"Infinity\"", to: &out) }
        if value == value.rounded(), abs(value) < 1e15 {
            // Integral doubles print as "3.0" in Swift; JSON readers take "3.0" too, but keep the
            // fraction so the value reads as the float it is.
            appendInt(Int64(value), to: &out)
            return appendLiteral(".0", to: &out)
        }
        out.append(contentsOf: value.description.utf8)
    }

    static func appendFloat(_ value: Float, to out: inout [UInt8]) {
        if value.isNaN || value.isInfinite { return appendDouble(Double(value), to: &out) }
        if value == value.rounded(), abs(value) < 1e7 {
            appendInt(Int64(value), to: &out)
            return appendLiteral(".0", to: &out)
        }
        out.append(contentsOf: value.description.utf8)
    }

    /// A quoted JSON string of UTF-8 bytes. Runs without escapes are copied in one call; invalid
    /// UTF-8 is replaced by U+FFFD (the output must stay valid JSON whatever the input held).
    static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let start = out.count
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        var sawNonASCII = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x80 { sawNonASCII = true }
            if byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                appendEscape(byte, to: &out)
                runStart = index + 1
            }
            index += 1
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
        if sawNonASCII && !JSONText.isValidUTF8(bytes) {
            // Rare: redo this string from a repaired copy.
            out.removeSubrange(start...)
            let repaired = Array(String(decoding: bytes, as: UTF8.self).utf8)
            return repaired.withUnsafeBytes { appendString($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString(UnsafeRawBufferPointer($0), to: &out) }
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(0x5C)
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(UInt8(ascii: "u"))
            out.append(0x30)
            out.append(0x30)
            out.append(hexDigits.utf8Start[Int(byte >> 4)])
            out.append(hexDigits.utf8Start[Int(byte & 0xF)])
        }
    }

    /// Bytes as {"base64":"…"}: the form Rewind uses for binary everywhere in JSON output.
    static func appendBase64Object(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendLiteral("{\"base64\":\"", to: &out)
        Base64.encode(bytes, into: &out)
        appendLiteral("\"}", to: &out)
    }

    static func appendHex(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(hexDigits.utf8Start[Int(byte >> 4)])
            out.append(hexDigits.utf8Start[Int(byte & 0xF)])
        }
    }
}
