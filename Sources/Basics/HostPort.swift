/// A server named in a `kafka://` or `nats://` URL: `host[:port]`.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }

    public enum ParseFailure: Error, Equatable { case badPort, emptyHost }

    /// `host[:port]`, split at the last colon, `defaultPort` when there is none; the port must be
    /// 1…65535 and the host must not be empty. Each URL says what is wrong in its own words.
    public static func parse(_ text: String, defaultPort: Int) -> Result<HostPort, ParseFailure> {
        guard let colon = text.lastIndex(of: ":") else {
            return text.isEmpty ? .failure(.emptyHost) : .success(HostPort(host: text, port: defaultPort))
        }
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return .failure(.badPort) }
        guard colon > text.startIndex else { return .failure(.emptyHost) }
        return .success(HostPort(host: String(text[..<colon]), port: port))
    }
}
