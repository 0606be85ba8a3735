import Basics

/// A `nats://` location as the CLI takes it:
///
///     nats://[user:password@ | token@]host:port[,host:port…][/STREAM]
///
/// Several host:port pairs name members of one cluster: the client tries them in order and
/// reconnects to another when one dies. The port defaults to 4222.
public struct NATSURL: Hashable, Sendable, CustomStringConvertible {
    public typealias Address = HostPort

    public var servers: [Address]
    public var user: String?
    public var password: String?
    public var token: String?
    public var stream: String?

    public static let defaultPort = 4222

    public static func isNATS(_ text: String) -> Bool { text.hasPrefix("nats://") }

    public init(servers: [Address], user: String? = nil, password: String? = nil, token: String? = nil, stream: String? = nil) {
        self.servers = servers
        self.user = user
        self.password = password
        self.token = token
        self.stream = stream
    }

    public init(parsing text: String) throws {
        guard text.hasPrefix("nats://") else { throw NATSError(.invalidArgument, "'\(text)' is not a nats:// URL") }
        var rest = Substring(text.dropFirst("nats://".count))
        stream = nil
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !name.isEmpty {
                guard JetStreamNames.isValidStreamName(String(name)) else {
                    throw NATSError(.invalidArgument, "'\(name)' is not a stream name (no spaces, '.', '*', '>', '/' or '\\')")
                }
                stream = String(name)
            }
        }
        user = nil
        password = nil
        token = nil
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon])
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                token = String(credentials)
            }
        }
        servers = try rest.split(separator: ",").map { try Self.address(String($0), in: text) }
        guard !servers.isEmpty else { throw NATSError(.invalidArgument, "'\(text)' names no server (nats://HOST:PORT)") }
        guard servers.count <= NATSLimits.serversMax else { throw NATSError(.invalidArgument, "more than \(NATSLimits.serversMax) servers") }
    }

    static func address(_ text: String, in url: String) throws -> Address {
        guard case let .success(address) = HostPort.parse(text, defaultPort: defaultPort) else {
            throw NATSError(.invalidArgument, "'\(text)' in '\(url)' is not HOST:PORT")
        }
        return address
    }

    /// The URL without credentials, for messages.
    public var description: String {
        "nats://" + servers.map(\.description).joined(separator: ",") + (stream.map { "/" + $0 } ?? "")
    }
}

enum JetStreamNames {
    /// Stream and consumer names become subject tokens of the $JS.API.
    static func isValidStreamName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255
            && !name.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") || $0 == 0x7F }
    }
}
