import Payloads

/// Reading fields of an event's JSON value for folds, without allocating on the common path.
enum JSONFields {
    /// Compares a raw member key with an ASCII name.
    @inline(__always)
    static func keyEquals(_ raw: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        raw.count == name.utf8CodeUnitCount && memcmp(raw.baseAddress!, name.utf8Start, raw.count) == 0
    }

    /// A numeric field: integers without allocating, other numbers through Double parsing.
    static func number(_ raw: UnsafeRawBufferPointer) -> Double? {
        if let integer = JSONScanner.integer(raw) { return Double(integer) }
        if raw.first == UInt8(ascii: "\"") {
            // "amount": "12.50" — numbers written as strings are common in captured data.
            return JSONScanner.decodeString(raw).flatMap(Double.init)
        }
        return JSONScanner.number(raw)
    }

    /// A string field's text (numbers and booleans as their JSON text, null as nil).
    static func text(_ raw: UnsafeRawBufferPointer) -> String? {
        if raw.first == UInt8(ascii: "\"") { return JSONScanner.decodeString(raw) }
        if raw.count == 4, raw.elementsEqual("null".utf8) { return nil }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Case-insensitive ASCII comparison of a string value with `expected` (lowercase).
    static func stringEquals(_ raw: UnsafeRawBufferPointer, lowercase expected: StaticString) -> Bool {
        guard let inner = JSONScanner.plainStringContents(raw), inner.count == expected.utf8CodeUnitCount else { return false }
        for index in 0..<inner.count {
            var byte = inner[index]
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != expected.utf8Start[index] { return false }
        }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif
