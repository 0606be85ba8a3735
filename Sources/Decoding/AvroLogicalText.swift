import Basics

/// Readable text for Avro's logical types, written straight into the JSON buffer. Dates and times
/// follow ISO-8601 (timestamps in UTC with a Z, local-timestamps without), decimals are strings
/// so no digit is lost to a double, durations are {"months","days","millis"}.
enum AvroLogicalText {
    static func appendInt(_ value: Int64, _ logical: AvroSchema.Logical, to out: inout [UInt8]) {
        switch logical {
        case .date:
            out.append(UInt8(ascii: "\""))
            appendDate(days: value, to: &out)
            out.append(UInt8(ascii: "\""))
        case .timeMillis:
            out.append(UInt8(ascii: "\""))
            appendTimeOfDay(value, unitsPerSecond: 1_000, fractionDigits: 3, to: &out)
            out.append(UInt8(ascii: "\""))
        default: JSONOutput.appendInt(value, to: &out)
        }
    }

    static func appendLong(_ value: Int64, _ logical: AvroSchema.Logical, to out: inout [UInt8]) {
        switch logical {
        case .timeMicros:
            out.append(UInt8(ascii: "\""))
            appendTimeOfDay(value, unitsPerSecond: 1_000_000, fractionDigits: 6, to: &out)
            out.append(UInt8(ascii: "\""))
        case .timestampMillis, .localTimestampMillis:
            appendTimestamp(value, unitsPerSecond: 1_000, fractionDigits: 3, utc: logical == .timestampMillis, to: &out)
        case .timestampMicros, .localTimestampMicros:
            appendTimestamp(value, unitsPerSecond: 1_000_000, fractionDigits: 6, utc: logical == .timestampMicros, to: &out)
        default: JSONOutput.appendInt(value, to: &out)
        }
    }

    static func appendTimestamp(_ value: Int64, unitsPerSecond: Int64, fractionDigits: Int, utc: Bool, to out: inout [UInt8]) {
        let unitsPerDay = unitsPerSecond * 86_400
        // Floor division: instants before 1970 belong to the previous day.
        var days = value / unitsPerDay
        var rest = value % unitsPerDay
        if rest < 0 {
            days -= 1
            rest += unitsPerDay
        }
        out.append(UInt8(ascii: "\""))
        appendDate(days: days, to: &out)
        out.append(UInt8(ascii: "T"))
        appendTimeOfDay(rest, unitsPerSecond: unitsPerSecond, fractionDigits: fractionDigits, to: &out)
        if utc { out.append(UInt8(ascii: "Z")) }
        out.append(UInt8(ascii: "\""))
    }

    /// Days since 1970-01-01 → YYYY-MM-DD (proleptic Gregorian).
    static func appendDate(days: Int64, to out: inout [UInt8]) {
        let (year, month, day) = TimeExpression.civilFromDays(days)
        if year < 0 { out.append(UInt8(ascii: "-")) }
        appendPadded(year.magnitude, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(UInt64(month), width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(UInt64(day), width: 2, to: &out)
    }

    /// Units since midnight → HH:MM:SS.fff (a value past 24 h keeps counting hours: it is shown,
    /// not judged).
    static func appendTimeOfDay(_ value: Int64, unitsPerSecond: Int64, fractionDigits: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        let seconds = magnitude / UInt64(unitsPerSecond)
        appendPadded(seconds / 3_600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(seconds / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(seconds % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendPadded(magnitude % UInt64(unitsPerSecond), width: fractionDigits, to: &out)
    }

    static func appendPadded(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        for _ in digits..<max(digits, width) { out.append(UInt8(ascii: "0")) }
        JSONOutput.appendUInt(value, to: &out)
    }

    /// Big-endian two's-complement unscaled value → "-123.45" (as a JSON string).
    static func appendDecimal(_ raw: UnsafeRawBufferPointer, scale: Int, to out: inout [UInt8]) {
        guard raw.count <= CodecLimits.decimalBytesMax else { return JSONOutput.appendBase64Object(raw, to: &out) }
        let negative = (raw.first ?? 0) & 0x80 != 0
        // Magnitude as big-endian bytes: two's complement negated when negative.
        var magnitude = Array(raw)
        if negative {
            var carry: UInt16 = 1
            for index in magnitude.indices.reversed() {
                let sum = UInt16(~magnitude[index]) + carry
                magnitude[index] = UInt8(truncatingIfNeeded: sum)
                carry = sum >> 8
            }
        }
        var digits: [UInt8] = [] // least significant first
        while magnitude.contains(where: { $0 != 0 }) {
            var remainder: UInt16 = 0
            for index in magnitude.indices {
                let current = remainder << 8 | UInt16(magnitude[index])
                magnitude[index] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder) + 0x30)
        }
        while digits.count <= scale { digits.append(UInt8(ascii: "0")) }
        out.append(UInt8(ascii: "\""))
        if negative { out.append(UInt8(ascii: "-")) }
        for (position, digit) in digits.reversed().enumerated() {
            if scale > 0 && position == digits.count - scale { out.append(UInt8(ascii: ".")) }
            out.append(digit)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// fixed(12): three little-endian unsigned 32-bit counts.
    static func appendDuration(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        func field(_ at: Int) -> UInt64 { UInt64(raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian) }
        JSONOutput.appendLiteral("{\"months\":", to: &out)
        JSONOutput.appendUInt(field(0), to: &out)
        JSONOutput.appendLiteral(",\"days\":", to: &out)
        JSONOutput.appendUInt(field(4), to: &out)
        JSONOutput.appendLiteral(",\"millis\":", to: &out)
        JSONOutput.appendUInt(field(8), to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// uuid on fixed(16): the canonical 8-4-4-4-12 hex form.
    static func appendUUID(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for (index, range) in [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].enumerated() {
            if index > 0 { out.append(UInt8(ascii: "-")) }
            JSONOutput.appendHex(UnsafeRawBufferPointer(rebasing: raw[range]), to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }
}
