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
