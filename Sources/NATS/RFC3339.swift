import Basics

/// JetStream's times: RFC 3339 in UTC with up to nine fraction digits, e.g.
/// `2024-01-15T12:00:05.123456789Z`. Parsed without Foundation's formatters, which drop the
/// nanoseconds and cost microseconds per call on a path that runs once per message.
public enum RFC3339 {
    /// Nanoseconds since the Unix epoch; nil when the text is not this form.
    public static func nanoseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 116,
              bytes[13] == 58, bytes[16] == 58 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 9 { fraction = fraction * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in 0..<max(0, 9 - digits) { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 || bytes[index] == 122 {
            guard index + 1 == bytes.count else { return nil }
        } else {
            guard bytes[index] == 43 || bytes[index] == 45, index + 6 == bytes.count, bytes[index + 3] == 58,
                  let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6)) else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 43 ? 1 : -1)
        }
        let days = TimeExpression.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000_000 + fraction
    }

    public static func timestamp(_ text: String) -> Timestamp? {
        nanoseconds(text).map { Timestamp(milliseconds: $0 / 1_000_000) }
    }

    /// `2024-01-15T12:00:05.123Z` for a time in milliseconds.
    public static func format(_ timestamp: Timestamp) -> String {
        let milliseconds = timestamp.milliseconds
        let seconds = floorDivide(milliseconds, 1000)
        let fraction = milliseconds - seconds * 1000
        let days = floorDivide(seconds, 86_400)
        let daySeconds = seconds - days * 86_400
        let (year, month, day) = TimeExpression.civilFromDays(days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(daySeconds / 3600, 2)):\(pad(daySeconds / 60 % 60, 2)):\(pad(daySeconds % 60, 2)).\(pad(fraction, 3))Z"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
