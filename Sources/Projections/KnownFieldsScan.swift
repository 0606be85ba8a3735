/// The `table` view's scan of a value shaped like the rows before it: a JSON object whose member
/// keys are, in order, the first fields of the table's field list. It checks each key where the
/// list puts it (one word compare of `"name"`), skips string values 8 bytes a step, and knows
/// scalars only; anything else — another key, a nested object or array, a syntax error — answers
/// false, and the caller walks the members the general way (`JSONScanner.forEachRawMember`), which
/// decides validity and notes new fields. So `matches` is true only where that walk accepts the
/// value and finds no new field: the two agree on every input (`KnownFieldsScanTests`).
///
/// Why: walking each value's members and looking each key up in the field list was ~22% of
/// folding 10M events (perf on `RewindBench --tables-only`).
enum KnownFieldsScan {
    /// A name whose quoted form is its member key as written: no quote, backslash or control byte.
    static func isPlain(_ name: String) -> Bool {
        name.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    /// The field list's leading plain names, quoted (`"id"`), as the scan compares them.
    struct Tokens: Equatable, Sendable {
        /// The quoted names back to back; token i ends at `ends[i]`.
        private(set) var bytes: [UInt8] = []
        private(set) var ends: [Int] = []
        /// Each token's first 16 bytes as two little-endian words, with masks of the bytes that
        /// count: a key compares in two loads when 16 bytes of the value remain.
        private(set) var heads: [Head] = []

        var count: Int { ends.count }

        mutating func append(_ name: String) {
            let start = bytes.count
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: "\""))
            ends.append(bytes.count)
            var head = Head()
            for index in 0..<min(16, bytes.count - start) {
                let shift = UInt64(index % 8) * 8
                if index < 8 {
                    head.word0 |= UInt64(bytes[start + index]) << shift
                    head.mask0 |= 0xFF << shift
                } else {
                    head.word1 |= UInt64(bytes[start + index]) << shift
                    head.mask1 |= 0xFF << shift
                }
            }
            heads.append(head)
        }
    }

    struct Head: Equatable, Sendable {
        var word0: UInt64 = 0, word1: UInt64 = 0, mask0: UInt64 = 0, mask1: UInt64 = 0
    }

    /// Whether `value` is an object whose keys are `tokens`' first few, in order, with scalar
    /// values only.
    static func matches(_ value: UnsafeRawBufferPointer, _ tokens: Tokens) -> Bool {
        tokens.bytes.withUnsafeBufferPointer { bytes in
            tokens.ends.withUnsafeBufferPointer { ends in
                tokens.heads.withUnsafeBufferPointer { heads in matches(value, bytes: bytes, ends: ends, heads: heads) }
            }
        }
    }

    @inline(__always)
    static func matches(_ value: UnsafeRawBufferPointer, bytes tokens: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<Int>,
                        heads: UnsafeBufferPointer<Head>) -> Bool {
        guard let base = value.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let end = value.count
        var position = skipWhitespace(base, from: 0, end: end)
        guard position < end, base[position] == UInt8(ascii: "{") else { return false }
        position = skipWhitespace(base, from: position + 1, end: end)
        guard position < end else { return false }
        if base[position] == UInt8(ascii: "}") { return true }
        var tokenStart = 0
        for field in 0..<ends.count {
            let length = ends[field] - tokenStart
            if end - position >= 16 {
                let head = heads[field]
                let word0 = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                let word1 = UnsafeRawPointer(base + position + 8).loadUnaligned(as: UInt64.self)
                guard (word0 ^ head.word0) & head.mask0 | (word1 ^ head.word1) & head.mask1 == 0 else { return false }
                if length > 16 {
                    guard end - position >= length, equal(base + position + 16, tokens.baseAddress! + tokenStart + 16, count: length - 16) else { return false }
                }
            } else {
                guard end - position >= length, equal(base + position, tokens.baseAddress! + tokenStart, count: length) else { return false }
            }
            position += length
            // Writers put the colon, the value and the comma right after each other: one compare
            // each before any whitespace loop.
            if position < end, base[position] == UInt8(ascii: ":") {
                position += 1
            } else {
                position = skipWhitespace(base, from: position, end: end)
                guard position < end, base[position] == UInt8(ascii: ":") else { return false }
                position += 1
            }
            if position < end, base[position] == UInt8(ascii: "\"") {
                position = skipString(base, from: position + 1, end: end)
            } else {
                position = skipScalar(base, from: skipWhitespace(base, from: position, end: end), end: end)
            }
            guard position >= 0 else { return false }
            if position < end, base[position] == UInt8(ascii: ",") {
                position += 1
            } else {
                position = skipWhitespace(base, from: position, end: end)
                guard position < end else { return false }
                if base[position] == UInt8(ascii: "}") { return true }
                guard base[position] == UInt8(ascii: ",") else { return false }
                position += 1
            }
            position = skipWhitespace(base, from: position, end: end)
            tokenStart = ends[field]
        }
        return false
    }

    @inline(__always)
    static func equal(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, count: Int) -> Bool {
        var index = 0
        while index + 8 <= count {
            if UnsafeRawPointer(lhs + index).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(rhs + index).loadUnaligned(as: UInt64.self) { return false }
            index += 8
        }
        while index < count {
            if lhs[index] != rhs[index] { return false }
            index += 1
        }
        return true
    }

    @inline(__always)
    static func skipWhitespace(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        var position = start
        while position < end {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return position
            }
        }
        return position
    }

    /// The position after the string, number or literal at `start`; -1 for anything else.
    @inline(__always)
    static func skipScalar(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        guard start < end else { return -1 }
        switch base[start] {
        case UInt8(ascii: "\""): return skipString(base, from: start + 1, end: end)
        case UInt8(ascii: "t"): return skipLiteral(base, from: start, end: end, "true")
        case UInt8(ascii: "f"): return skipLiteral(base, from: start, end: end, "false")
        case UInt8(ascii: "n"): return skipLiteral(base, from: start, end: end, "null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return skipNumber(base, from: start, end: end)
        default: return -1
        }
    }

    static let quotes: UInt64 = 0x2222_2222_2222_2222
    static let backslashes: UInt64 = 0x5C5C_5C5C_5C5C_5C5C
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// From just after the opening quote to just after the closing one, as the general walk
    /// delimits strings (a backslash escapes the byte after it; contents are not validated).
    /// Eight bytes a step: the lowest byte equal to a quote or a backslash is found with the
    /// "has a zero byte" bit trick on the word xor'ed with each (exact for the lowest byte).
    @inline(__always)
    static func skipString(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        var index = start
        while true {
            while index + 8 <= end {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ quotes, backslash = word ^ backslashes
                let hits = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highs
                if hits != 0 {
                    index += hits.trailingZeroBitCount / 8
                    break
                }
                index += 8
            }
            guard index < end else { return -1 }
            switch base[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
    }

    @inline(__always)
    static func skipLiteral(_ base: UnsafePointer<UInt8>, from start: Int, end: Int, _ literal: StaticString) -> Int {
        let count = literal.utf8CodeUnitCount
        guard end - start >= count, equal(base + start, literal.utf8Start, count: count) else { return -1 }
        return start + count
    }

    /// JSON's number grammar, exactly as the general walk takes it (`JSONScanner.skipNumber`).
    @inline(__always)
    static func skipNumber(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        var position = start
        if base[position] == UInt8(ascii: "-") { position += 1 }
        guard position < end, isDigit(base[position]) else { return -1 }
        position += 1
        if base[position - 1] != UInt8(ascii: "0") { position = skipDigits(base, from: position, end: end) }
        if position < end, base[position] == UInt8(ascii: ".") {
            let digits = skipDigits(base, from: position + 1, end: end)
            guard digits > position + 1 else { return -1 }
            position = digits
        }
        if position < end, base[position] == UInt8(ascii: "e") || base[position] == UInt8(ascii: "E") {
            position += 1
            if position < end, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") { position += 1 }
            let digits = skipDigits(base, from: position, end: end)
            guard digits > position else { return -1 }
            position = digits
        }
        return position
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    @inline(__always)
    static func skipDigits(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        var position = start
        while position < end, isDigit(base[position]) { position += 1 }
        return position
    }
}
