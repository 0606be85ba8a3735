#if canImport(Glibc)
import Glibc
#endif
import Payloads

/// Reading fields of an event's JSON value for folds, without allocating on the common path.
enum JSONFields {
    /// Compares a raw member key with an ASCII name.
    @inline(__always)
    static func keyEquals(_ raw: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        raw.count == name.utf8CodeUnitCount && memcmp(raw.baseAddress!, name.utf8Start, raw.count) == 0
    }

    /// A numeric field: integers without allocating, other numbers through Double parsing.
    @inline(__always)
    static func number(_ raw: UnsafeRawBufferPointer) -> Double? {
        if let integer = JSONScanner.integer(raw) { return Double(integer) }
        return otherNumber(raw)
    }

    @inline(never)
    private static func otherNumber(_ raw: UnsafeRawBufferPointer) -> Double? {
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

    /// Case-insensitive ASCII comparison of a string value with `expected` (lowercase): true when
    /// `raw` is a string without escapes whose bytes, A-Z lowered, are `expected`'s. The length is
    /// compared first, so a fold testing a type against several names rejects most in one compare.
    @inline(__always)
    static func stringEquals(_ raw: UnsafeRawBufferPointer, lowercase expected: StaticString) -> Bool {
        let count = expected.utf8CodeUnitCount
        guard raw.count == count + 2, let base = raw.baseAddress,
              base.load(as: UInt8.self) == UInt8(ascii: "\""), base.load(fromByteOffset: count + 1, as: UInt8.self) == UInt8(ascii: "\"") else { return false }
        let wanted = expected.utf8Start
        for index in 0..<count {
            var byte = base.load(fromByteOffset: index + 1, as: UInt8.self)
            if byte == UInt8(ascii: "\\") { return false } // escaped: not a plain string
            if byte &- 0x41 < 26 { byte |= 0x20 }
            if byte != wanted[index] { return false }
        }
        return true
    }
}
