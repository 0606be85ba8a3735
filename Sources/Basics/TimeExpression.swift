/// Times a user types, turned into a Timestamp relative to an explicit `now` (never the clock, so
/// the parser is testable). Zone-less times are UTC, like everything Rewind displays.
///
///   now | -15m | +2h | -1d | -90s | -500ms | -2w | 15m ago
///   today | yesterday | today 14:00 | yesterday 09:30:15
///   2024-01-15 | 2024-01-15T12:00 | 2024-01-15 12:00:05.250 | …Z | …+01:00 | …-0500
///   1700000000000 (epoch milliseconds)
public enum TimeExpression {
    public static func parse(_ input: String, now: Timestamp) throws -> Timestamp {
        let text = input.trimmingWhitespace().lowercased()
        func fail() -> EventLogError {
            EventLogError(.invalidArgument, "cannot read time '\(input)': use ISO-8601 (2024-01-15T12:00:00Z), relative (-15m, -2h, -1d), 'yesterday 14:00', or epoch milliseconds")
        }
        guard !text.isEmpty else { throw fail() }
        if text == "now" { return now }
        if text.hasSuffix(" ago"), let duration = try? DurationExpression.parseMilliseconds(String(text.dropLast(4))) {
            return now.adding(milliseconds: -duration)
        }
        if let sign = text.first, sign == "-" || sign == "+" {
            guard let duration = try? DurationExpression.parseMilliseconds(String(text.dropFirst())) else { throw fail() }
            return now.adding(milliseconds: sign == "-" ? -duration : duration)
        }
        if text.allSatisfy(\.isNumber) {
            guard let milliseconds = Int64(text) else { throw fail() }
            return Timestamp(milliseconds: milliseconds)
        }
        let dayMilliseconds: Int64 = 86_400_000
        let startOfToday = (now.milliseconds >= 0 ? now.milliseconds / dayMilliseconds : (now.milliseconds - dayMilliseconds + 1) / dayMilliseconds) * dayMilliseconds
        for (word, day) in [("today", startOfToday), ("yesterday", startOfToday - dayMilliseconds)] where text.hasPrefix(word) {
            let rest = text.dropFirst(word.count).trimmingWhitespace()
            if rest.isEmpty { return Timestamp(milliseconds: day) }
            guard let clock = parseClock(Substring(rest)) else { throw fail() }
            return Timestamp(milliseconds: day + clock)
        }
        guard let absolute = parseISO(text) else { throw fail() }
        return Timestamp(milliseconds: absolute)
    }

    /// `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:]MM]`
    static func parseISO(_ text: String) -> Int64? {
        let characters = Array(text.utf8)
        guard characters.count >= 10, let year = number(characters, 0, 4), characters[4] == UInt8(ascii: "-"),
              let month = number(characters, 5, 2), characters[7] == UInt8(ascii: "-"), let day = number(characters, 8, 2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var milliseconds = daysFromCivil(year: year, month: month, day: day) * 86_400_000
        var rest = Substring(String(decoding: characters[10...], as: UTF8.self))
        guard !rest.isEmpty else { return milliseconds }
        guard rest.first == "t" || rest.first == " " else { return nil }
        rest = rest.dropFirst()
        var zoneStart = rest.endIndex
        if rest.hasSuffix("z") {
            zoneStart = rest.index(before: rest.endIndex)
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            zoneStart = sign
        }
        guard let clock = parseClock(rest[..<zoneStart]) else { return nil }
        milliseconds += clock
        let zone = rest[zoneStart...]
        if zone.isEmpty || zone == "z" { return milliseconds }
        let digits = zone.dropFirst().filter { $0 != ":" }
        guard digits.count == 4, let hours = Int64(digits.prefix(2)), let minutes = Int64(digits.suffix(2)), hours < 24, minutes < 60 else { return nil }
        let offset = (hours * 60 + minutes) * 60_000
        return zone.first == "+" ? milliseconds - offset : milliseconds + offset
    }

    /// `HH:MM[:SS[.fff]]` → milliseconds after midnight.
    static func parseClock(_ text: Substring) -> Int64? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let hours = Int64(parts[0]), let minutes = Int64(parts[1]),
              parts[0].count == 2 || parts[0].count == 1, parts[1].count == 2, hours < 24, minutes < 60 else { return nil }
        var milliseconds = (hours * 60 + minutes) * 60_000
        if parts.count == 3 {
            let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard secondParts.count <= 2, secondParts[0].count == 2, let seconds = Int64(secondParts[0]), seconds < 60 else { return nil }
            milliseconds += seconds * 1000
            if secondParts.count == 2 {
                let fraction = secondParts[1]
                guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isNumber) else { return nil }
                let padded = (fraction + "000").prefix(3)
                milliseconds += Int64(padded)!
            }
        }
        return milliseconds
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// (year, month, day) of days since 1970-01-01.
    public static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Durations like `15m`, `2h`, `7d`, `500ms`, `1w`, `90s`; a bare number is milliseconds.
public enum DurationExpression {
    public static func parseMilliseconds(_ input: String) throws -> Int64 {
        let text = input.trimmingWhitespace().lowercased()
        let digits = text.prefix { $0.isNumber }
        let unit = text.dropFirst(digits.count)
        let multipliers: [String: Int64] = ["": 1, "ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000,
                                            "d": 86_400_000, "w": 604_800_000]
        guard !digits.isEmpty, let value = Int64(digits), let multiplier = multipliers[String(unit)],
              value <= Int64.max / multiplier else {
            throw EventLogError(.invalidArgument, "cannot read duration '\(input)': use e.g. 500ms, 90s, 15m, 2h, 7d, 1w")
        }
        return value * multiplier
    }
}

/// Timestamps shown to people: ISO-8601 in UTC with milliseconds.
public enum TimeFormat {
    public static func iso(_ timestamp: Timestamp) -> String {
        let milliseconds = timestamp.milliseconds
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let inDay = milliseconds - days * 86_400_000
        let (year, month, day) = TimeExpression.civilFromDays(days)
        if (0...9999).contains(year) {
            // Written into 24 bytes: the interpolation below made ~14 Strings, and the explorer
            // formats a time for every row of a view after every fold slice.
            return String(unsafeUninitializedCapacity: 24) { buffer in
                func put(_ value: Int64, _ width: Int, at start: Int) {
                    var rest = value
                    for index in stride(from: start + width - 1, through: start, by: -1) {
                        buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                }
                put(year, 4, at: 0)
                put(month, 2, at: 5)
                put(day, 2, at: 8)
                put(inDay / 3_600_000, 2, at: 11)
                put(inDay / 60000 % 60, 2, at: 14)
                put(inDay / 1000 % 60, 2, at: 17)
                put(inDay % 1000, 3, at: 20)
                (buffer[4], buffer[7], buffer[10], buffer[13], buffer[16], buffer[19], buffer[23]) =
                    (UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"), UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "Z"))
                return 24
            }
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60000 % 60, 2)):\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[first...last])
        return result
    }
}
