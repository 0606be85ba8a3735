import EventLog
import Interop
import KafkaClient
import NATS

/// Turns what the user typed (`--dir PATH`, `open PATH`, `nats://…`, `kafka://…`) into the
/// one read path. The only place that knows which backends exist: commands, views and the explorer
/// get `any LogSource` and never ask which it is. A new backend is one more `case` below.
public enum LogSourceFactory {
    /// `location`: a log directory (or a captured Kafka dir, one partition dir, one segment file),
    /// `nats://HOST:PORT[,HOST:PORT…][/STREAM]`, `kafka://HOST:PORT[,HOST:PORT…][/TOPIC]`.
    public static func open(_ location: String) throws -> any LogSource {
        switch scheme(of: location) {
        case nil:
            return try EventLog.open(location, mode: .readOnly, decompressor: decompressor)
        case "nats":
            return try JetStreamSource(url: try NATSURL(parsing: location))
        case "kafka":
            return try KafkaSource(url: try KafkaURL(parsing: location), decompressor: decompressor)
        case let other?:
            throw EventLogError(.invalidArgument, "\(location): unknown source '\(other)://' (expected a directory, nats://HOST:PORT or kafka://HOST:PORT)")
        }
    }

    /// "nats" for `nats://…`; nil for a path (anything without a `letters://` prefix).
    public static func scheme(of location: String) -> String? {
        guard let range = location.range(of: "://") else { return nil }
        let scheme = location[..<range.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+") }) else { return nil }
        return scheme.lowercased()
    }

    /// gzip, snappy (xerial framing too), lz4 and zstd: every codec Kafka writes.
    public static let decompressor: BatchDecompressor = KafkaCodecs()
}
