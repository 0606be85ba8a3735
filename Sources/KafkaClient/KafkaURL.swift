import Basics

/// `kafka://HOST:PORT[,HOST:PORT…][/TOPIC]`: the bootstrap brokers (port 9092 when omitted) and
/// optionally one topic (the mirror's target, import's source). No credentials: this client
/// speaks PLAINTEXT only (no SASL, no TLS).
public struct KafkaURL: Sendable, Equatable, CustomStringConvertible {
    public typealias Address = HostPort

    public static let scheme = "kafka://"
    public var brokers: [Address]
    public var topic: String?

    public static func isKafka(_ text: String) -> Bool { text.hasPrefix(scheme) }

    public init(parsing text: String) throws {
        guard Self.isKafka(text) else {
            throw EventLogError(.invalidArgument, "'\(text)' is not a kafka:// URL (kafka://HOST:PORT[,HOST:PORT…][/TOPIC])")
        }
        var rest = Substring(text.dropFirst(Self.scheme.count))
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            topic = name.isEmpty ? nil : String(name)
            rest = rest[..<slash]
        }
        brokers = try rest.split(separator: ",", omittingEmptySubsequences: false).map { try Self.address(String($0), in: text) }
        guard !brokers.isEmpty, brokers.count <= KafkaClientLimits.bootstrapBrokersMax else {
            throw EventLogError(.invalidArgument, "'\(text)': name 1…\(KafkaClientLimits.bootstrapBrokersMax) brokers")
        }
    }

    public init(brokers: [Address], topic: String? = nil) {
        self.brokers = brokers
        self.topic = topic
    }

    static func address(_ text: String, in url: String) throws -> Address {
        if text.contains("@") { throw EventLogError(.invalidArgument, "'\(url)': credentials are not supported (no SASL)") }
        switch HostPort.parse(text, defaultPort: 9092) {
        case let .success(address): return address
        case .failure(.badPort): throw EventLogError(.invalidArgument, "'\(url)': bad port in '\(text)'")
        case .failure(.emptyHost): throw EventLogError(.invalidArgument, "'\(url)': empty host in '\(text)'")
        }
    }

    /// The brokers without the topic: what names the cluster in messages.
    public var cluster: String { Self.scheme + brokers.map(\.description).joined(separator: ",") }

    public var description: String { cluster + (topic.map { "/" + $0 } ?? "") }
}
