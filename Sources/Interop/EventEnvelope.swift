import EventLog
import Payloads

/// The one parser of the envelope `rewind consume` prints (EventJSON.line):
/// {"topic","partition","offset","timestamp","key","headers":[[name,value],…],"value"}. What
/// `produce --envelope` reads back: keys and header values as strings, {"base64"} or null; values
/// any JSON; topic and offset are ignored (the log assigns them).
public enum EventEnvelope {
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// The record and the partition the envelope names (nil: none); `time` when it has no timestamp.
    public static func parse(_ line: [UInt8], time: Timestamp) throws(Problem) -> (record: ProducerRecord, partition: Int32?) {
        var record = ProducerRecord(value: nil, timestamp: time)
        var partition: Int32?
        var problem: String?
        let parsed = line.withUnsafeBytes { bytes in
            JSONScanner.isValid(bytes) && JSONScanner.forEachMember(bytes) { name, range in
                let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
                switch name {
                case "key":
                    guard let key = EventJSON.bytes(fromJSON: raw, allowAnyJSON: false) else { problem = "key must be a string, {\"base64\"} or null"; return false }
                    record.key = key
                case "value":
                    guard let value = EventJSON.bytes(fromJSON: raw, allowAnyJSON: true) else { problem = "bad value"; return false }
                    record.value = value
                case "timestamp":
                    guard let milliseconds = JSONScanner.integer(raw) else { problem = "timestamp must be epoch milliseconds"; return false }
                    record.timestamp = Timestamp(milliseconds: milliseconds)
                case "partition":
                    partition = JSONScanner.integer(raw).map { Int32(clamping: $0) }
                case "headers":
                    guard let headers = headers(raw) else { problem = "headers must be [[name, value], …]"; return false }
                    record.headers = headers
                default:
                    break // topic, offset: assigned by the log
                }
                return true
            }
        }
        guard parsed, problem == nil else { throw Problem(description: problem ?? "invalid JSON object") }
        return (record, partition)
    }

    /// `[[name, value], …]` with values as `consume` prints them (string, {"base64"} or null).
    static func headers(_ raw: UnsafeRawBufferPointer) -> [Header]? {
        var headers: [Header] = []
        let wellFormed = JSONScanner.forEachElement(raw) { pairRange in
            let pair = UnsafeRawBufferPointer(rebasing: raw[pairRange])
            var parts: [UnsafeRawBufferPointer] = []
            guard JSONScanner.forEachElement(pair, { parts.append(UnsafeRawBufferPointer(rebasing: pair[$0])); return parts.count <= 2 }),
                  parts.count == 2, let name = JSONScanner.decodeString(parts[0]),
                  let value = EventJSON.bytes(fromJSON: parts[1], allowAnyJSON: false) else { return false }
            headers.append(Header(key: name, value: value))
            return true
        }
        return wellFormed ? headers : nil
    }
}
