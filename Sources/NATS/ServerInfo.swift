import Foundation

/// The INFO a server sends first (and again when the cluster changes): what it allows and which
/// other members a client can reconnect to.
public struct ServerInfo: Decodable, Sendable {
    public var serverId: String
    public var serverName: String?
    public var version: String
    public var maxPayload: Int?
    public var headers: Bool?
    public var jetstream: Bool?
    public var authRequired: Bool?
    public var cluster: String?
    public var connectUrls: [String]?

    /// Whether `version` ("2.11.3", "2.12.0-beta.1") is at least major.minor; false when it is
    /// not a version at all.
    public func isAtLeast(major: Int, minor: Int) -> Bool {
        let release = version.split(separator: "-", maxSplits: 1).first ?? ""
        let parts = release.split(separator: ".").prefix(2).map { Int($0) }
        guard parts.count == 2, let serverMajor = parts[0], let serverMinor = parts[1] else { return false }
        return (serverMajor, serverMinor) >= (major, minor)
    }

    static func decode(_ json: [UInt8]) throws -> ServerInfo {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(ServerInfo.self, from: Data(json))
        } catch {
            throw NATSError(.protocolViolation, "INFO is not the JSON expected (\(error))")
        }
    }
}
