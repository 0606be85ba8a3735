/// A strict RFC 8259 JSON scanner over borrowed bytes: validates, finds members of an object, and
/// hands back raw byte ranges instead of building a tree. Values stay where they are, so `consume`
/// can print an event's JSON exactly as produced, and a fold can read `amount` out of an event
/// without allocating.
///
/// Bounded: nesting deeper than `maxDepth` is rejected (no stack overflow on hostile input), and
/// every step checks the bytes that remain.
public struct JSONScanner {
    public static let maxDepth = 512

    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var position = 0

    @inlinable public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// True when `bytes` is exactly one JSON value with optional surrounding whitespace.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.skipValue(depth: 0) else { return false }
        scanner.skipWhitespace()
        return scanner.position == bytes.count
    }

    /// Calls `body(key, valueRange)` for each member of the top-level object (keys decoded, values
    /// raw). Returns false if `bytes` is not a valid object or `body` stopped early.
    @discardableResult
    public static func forEachMember(_ bytes: UnsafeRawBufferPointer, _ body: (String, Range<Int>) -> Bool) -> Bool {
        walkMembers(bytes, validateUTF8: true) { keyRange, valueRange in
            guard let key = decodeString(UnsafeRawBufferPointer(rebasing: bytes[(keyRange.lowerBound - 1)..<(keyRange.upperBound + 1)])) else { return false }
            return body(key, valueRange)
        }
    }

    /// Calls `body(rawKey, rawValue)` for each member of the top-level object: the key's bytes
    /// without quotes (escapes left as they are) and the value's raw bytes. No allocation: the fold
    /// hot path reads several fields of an event in this one pass. Checks structure but not the
    /// UTF-8 inside strings (a fold reads bytes; `isValid` is the strict check), which halves its cost.
    ///
    /// Walks with raw pointers and finds the end of strings 8 bytes at a time; nested objects and
    /// arrays go through the same `skipValue` as the other walks, so what it accepts, and the
    /// members it reports before a malformed byte, are exactly what `walkMembers` would give
    /// (`JSONScannerTests` compares the two on random bytes). Over a third of the balances fold was
    /// reading fields through `peek()` optionals and per-byte checks (perf, `RewindBench --views-only`).
    @inlinable @inline(__always) @discardableResult
    public static func forEachRawMember(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let end = bytes.count
        var at = skipWhitespace(base, 0, end)
        guard at < end, base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "{") else { return false }
        at = skipWhitespace(base, at + 1, end)
        if at < end, base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "}") { return true }
        while true {
            guard at < end, base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "\""),
                  let keyEnd = stringEnd(base, at + 1, end) else { return false }
            let key = UnsafeRawBufferPointer(start: base + at + 1, count: keyEnd - at - 1)
            at = skipWhitespace(base, keyEnd + 1, end)
            guard at < end, base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: ":") else { return false }
            at = skipWhitespace(base, at + 1, end)
            let valueStart = at
            guard at < end else { return false }
            switch base.load(fromByteOffset: at, as: UInt8.self) {
            case UInt8(ascii: "\""):
                guard let close = stringEnd(base, at + 1, end) else { return false }
                at = close + 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                guard let after = numberEnd(base, at, end) else { return false }
                at = after
            default:
                var scanner = JSONScanner(bytes)
                scanner.position = at
                guard scanner.skipValue(depth: 1, validateUTF8: false) else { return false }
                at = scanner.position
            }
            if !body(key, UnsafeRawBufferPointer(start: base + valueStart, count: at - valueStart)) { return false }
            at = skipWhitespace(base, at, end)
            guard at < end else { return false }
            switch base.load(fromByteOffset: at, as: UInt8.self) {
            case UInt8(ascii: ","):
                at = skipWhitespace(base, at + 1, end)
            case UInt8(ascii: "}"):
                return true
            default:
                return false
            }
        }
    }

    @inlinable @inline(__always)
    static func skipWhitespace(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> Int {
        var at = start
        while at < end {
            switch base.load(fromByteOffset: at, as: UInt8.self) {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            default: return at
            }
        }
        return at
    }

    /// The index of the quote closing a string whose contents start at `start` (the first quote not
    /// escaped by a backslash), or nil if the bytes end first. Eight bytes at a time: a word with
    /// no quote and no backslash is skipped whole.
    @inlinable @inline(__always)
    static func stringEnd(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> Int? {
        var at = start
        while at + 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            let found = zeroBytes(word ^ 0x2222_2222_2222_2222) | zeroBytes(word ^ 0x5C5C_5C5C_5C5C_5C5C)
            if found == 0 {
                at += 8
                continue
            }
            // The lowest flagged byte is exact (a false flag can only sit above a true one).
            at += found.trailingZeroBitCount >> 3
            if base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "\"") { return at }
            at += 2
        }
        while at < end {
            let byte = base.load(fromByteOffset: at, as: UInt8.self)
            if byte == UInt8(ascii: "\"") { return at }
            at += byte == UInt8(ascii: "\\") ? 2 : 1
        }
        return nil
    }

    /// The high bit of each byte that is zero in `word` (exact for the lowest such byte).
    @inlinable @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// Where the number starting at `start` ends, by `skipNumber`'s grammar, or nil.
    @inlinable @inline(__always)
    static func numberEnd(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> Int? {
        var at = start
        if base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "-") { at += 1 }
        guard at < end else { return nil }
        let first = base.load(fromByteOffset: at, as: UInt8.self)
        guard first >= 0x30, first <= 0x39 else { return nil }
        at += 1
        if first != UInt8(ascii: "0") { at = digitsEnd(base, at, end) }
        if at < end, base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: ".") {
            let digits = digitsEnd(base, at + 1, end)
            guard digits > at + 1 else { return nil }
            at = digits
        }
        if at < end, base.load(fromByteOffset: at, as: UInt8.self) | 0x20 == UInt8(ascii: "e") {
            at += 1
            if at < end, base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "+") || base.load(fromByteOffset: at, as: UInt8.self) == UInt8(ascii: "-") { at += 1 }
            let digits = digitsEnd(base, at, end)
            guard digits > at else { return nil }
            at = digits
        }
        return at
    }

    @inlinable @inline(__always)
    static func digitsEnd(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> Int {
        var at = start
        while at < end, base.load(fromByteOffset: at, as: UInt8.self) &- 0x30 < 10 { at += 1 }
        return at
    }

    /// The one walk over a top-level object's members, shared by every member API: `body` gets the
    /// key's range without its quotes and the value's raw range. With `validateUTF8` false strings
    /// are only delimited (the fold hot path); structure is checked either way.
    @inlinable
    static func walkMembers(_ bytes: UnsafeRawBufferPointer, validateUTF8: Bool, _ body: (Range<Int>, Range<Int>) -> Bool) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else { return false }
        scanner.position += 1
        scanner.skipWhitespace()
        if scanner.peek() == UInt8(ascii: "}") { return true }
        while true {
            let keyStart = scanner.position
            guard validateUTF8 ? scanner.skipString() : scanner.skipStringUnvalidated() else { return false }
            let keyRange = (keyStart + 1)..<(scanner.position - 1)
            scanner.skipWhitespace()
            guard scanner.peek() == UInt8(ascii: ":") else { return false }
            scanner.position += 1
            scanner.skipWhitespace()
            let valueStart = scanner.position
            guard scanner.skipValue(depth: 1, validateUTF8: validateUTF8) else { return false }
            if !body(keyRange, valueStart..<scanner.position) { return false }
            scanner.skipWhitespace()
            switch scanner.peek() {
            case UInt8(ascii: ","):
                scanner.position += 1
                scanner.skipWhitespace()
            case UInt8(ascii: "}"):
                return true
            default:
                return false
            }
        }
    }

    /// The raw bytes of a string value without its quotes when it has no escapes (else nil): lets a
    /// fold compare `"deposit"` without building a String.
    @inlinable @inline(__always)
    public static func plainStringContents(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard raw.count >= 2, let base = raw.baseAddress, base.load(as: UInt8.self) == UInt8(ascii: "\""),
              base.load(fromByteOffset: raw.count - 1, as: UInt8.self) == UInt8(ascii: "\"") else { return nil }
        // A pointer loop: `contains` over a rebased slice went through the generic Sequence
        // path, 5% of the balances fold (perf).
        for index in 1..<(raw.count - 1) where base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: "\\") { return nil }
        return UnsafeRawBufferPointer(start: base + 1, count: raw.count - 2)
    }

    /// Calls `body` with the raw range of each element of the top-level array. Returns false if
    /// `bytes` is not a valid array or `body` stopped early.
    @discardableResult
    public static func forEachElement(_ bytes: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Bool) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "[") else { return false }
        scanner.position += 1
        scanner.skipWhitespace()
        if scanner.peek() == UInt8(ascii: "]") { return true }
        while true {
            let start = scanner.position
            guard scanner.skipValue(depth: 1) else { return false }
            if !body(start..<scanner.position) { return false }
            scanner.skipWhitespace()
            switch scanner.peek() {
            case UInt8(ascii: ","):
                scanner.position += 1
                scanner.skipWhitespace()
            case UInt8(ascii: "]"):
                return true
            default:
                return false
            }
        }
    }

    /// The raw bytes of top-level member `name`, without validating the rest of the object beyond
    /// what it had to skip. The fast path of folds: one pass, no allocation for ASCII keys.
    @inlinable
    public static func member(_ name: StaticString, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        member(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), in: bytes)
    }

    public static func member(_ name: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var found: UnsafeRawBufferPointer?
        walkMembers(bytes, validateUTF8: true) { keyRange, valueRange in
            let rawKey = UnsafeRawBufferPointer(rebasing: bytes[keyRange])
            // Keys with escapes compare decoded; plain keys (the norm) compare as bytes.
            let matches = rawKey.contains(UInt8(ascii: "\\"))
                ? decodeString(UnsafeRawBufferPointer(rebasing: bytes[(keyRange.lowerBound - 1)..<(keyRange.upperBound + 1)])).map { Array($0.utf8).elementsEqual(name) } ?? false
                : rawKey.elementsEqual(name)
            if matches { found = UnsafeRawBufferPointer(rebasing: bytes[valueRange]) }
            return !matches
        }
        return found
    }

    // MARK: Scalars

    /// Decodes a raw JSON string token (with its quotes) into a Swift String.
    public static func decodeString(_ raw: UnsafeRawBufferPointer) -> String? {
        guard raw.count >= 2, raw.first == UInt8(ascii: "\""), raw.last == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - 1)])
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var index = 0
        while index < inner.count {
            let byte = inner[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < inner.count else { return nil }
            let escape = inner[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(inner, index) else { return nil }
                index += 4
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= inner.count, inner[index] == UInt8(ascii: "\\"),
                   inner[index + 1] == UInt8(ascii: "u"), let low = hex4(inner, index + 2), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(character).utf8))
            default: return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @usableFromInline static func hex4(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[at + offset]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// A raw JSON number as Double (nil if `raw` is not a number).
    public static func number(_ raw: UnsafeRawBufferPointer) -> Double? {
        if let integer = integer(raw) { return Double(integer) }
        var scanner = JSONScanner(raw)
        guard scanner.skipNumber(), scanner.position == raw.count else { return nil }
        return Double(String(decoding: raw, as: UTF8.self))
    }

    /// A raw JSON integer that fits in Int64, parsed without allocating (the common case for amounts).
    @inlinable
    public static func integer(_ raw: UnsafeRawBufferPointer) -> Int64? {
        guard !raw.isEmpty, raw.count <= 19 else { return nil }
        var index = 0
        var negative = false
        if raw[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
            guard raw.count > 1 else { return nil }
        }
        if raw[index] == UInt8(ascii: "0") && raw.count > index + 1 { return nil }
        var value: Int64 = 0
        while index < raw.count {
            let digit = raw[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        return negative ? -value : value
    }

    // MARK: Skipping

    @inlinable func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    @inlinable mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    @usableFromInline mutating func skipValue(depth: Int, validateUTF8: Bool = true) -> Bool {
        guard depth <= Self.maxDepth, let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "{"): return skipContainer(close: UInt8(ascii: "}"), isObject: true, depth: depth)
        case UInt8(ascii: "["): return skipContainer(close: UInt8(ascii: "]"), isObject: false, depth: depth)
        case UInt8(ascii: "\""): return validateUTF8 ? skipString() : skipStringUnvalidated()
        case UInt8(ascii: "t"): return skipLiteral("true")
        case UInt8(ascii: "f"): return skipLiteral("false")
        case UInt8(ascii: "n"): return skipLiteral("null")
        default: return skipNumber()
        }
    }

    @usableFromInline mutating func skipContainer(close: UInt8, isObject: Bool, depth: Int) -> Bool {
        position += 1
        skipWhitespace()
        if peek() == close {
            position += 1
            return true
        }
        while true {
            if isObject {
                guard skipString() else { return false }
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { return false }
                position += 1
                skipWhitespace()
            }
            guard skipValue(depth: depth + 1) else { return false }
            skipWhitespace()
            guard let next = peek() else { return false }
            position += 1
            if next == close { return true }
            guard next == UInt8(ascii: ",") else { return false }
            skipWhitespace()
        }
    }

    /// A string token, finding its end only: the quote not preceded by an escape.
    @usableFromInline @inline(__always) mutating func skipStringUnvalidated() -> Bool {
        guard peek() == UInt8(ascii: "\"") else { return false }
        guard let base = bytes.baseAddress else { return false }
        var index = position + 1
        let end = bytes.count
        while index < end {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return true
            }
            index += byte == UInt8(ascii: "\\") ? 2 : 1
        }
        return false
    }

    /// A string token, checking escapes, control characters and UTF-8 well-formedness.
    @usableFromInline mutating func skipString() -> Bool {
        guard peek() == UInt8(ascii: "\"") else { return false }
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return true
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count else { return false }
                let escape = bytes[position + 1]
                if escape == UInt8(ascii: "u") {
                    guard Self.hex4(bytes, position + 2) != nil else { return false }
                    position += 6
                } else {
                    guard "\"\\/bfnrt".utf8.contains(escape) else { return false }
                    position += 2
                }
            case 0..<0x20:
                return false
            case 0x80...:
                guard let length = utf8SequenceLength(at: position) else { return false }
                position += length
            default:
                position += 1
            }
        }
        return false
    }

    @usableFromInline func utf8SequenceLength(at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var minimum: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        var scalar = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let continuation = bytes[index + offset]
            guard continuation & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(continuation & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        minimum = 0
        return length
    }

    @usableFromInline mutating func skipLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] { return false }
        position += count
        return true
    }

    @usableFromInline mutating func skipNumber() -> Bool {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else { return false }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() > 0 else { return false }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { return false }
        }
        return position > start
    }

    @usableFromInline @discardableResult
    mutating func skipDigits() -> Int {
        var count = 0
        while let byte = peek(), byte >= 0x30, byte <= 0x39 {
            position += 1
            count += 1
        }
        return count
    }
}
