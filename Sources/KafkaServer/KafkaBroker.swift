import EventLog
import Foundation
import KafkaProtocol

/// The request side of `rewind serve`: turns one request frame into a reply, reading and writing
/// through the EventLog. Blocking (appends, fsyncs, long polls, group joins wait here), so it runs
/// on the connections' worker queues, never on an event loop.
///
/// A request whose header does not parse, or whose body does not decode for a version we serve,
/// closes its connection (Kafka does the same); an API or version we do not serve is answered
/// with UNSUPPORTED_VERSION. Nothing a client sends ends the process.
public final class KafkaBroker: @unchecked Sendable {
    public let log: EventLog
    public let config: KafkaServerConfig
    let logger: @Sendable (String) -> Void
    let groups: GroupCoordinator
    let producerIds: ProducerIdAllocator
    let recentBatches = RecentProducerBatches()
    /// Broadcast after every append: long-polling fetches wait on it, whatever partitions they read.
    let appended = ConditionLock()
    var appendCount: UInt64 = 0
    private let statsLock = ConditionLock()
    private var requestCount: UInt64 = 0
    /// OffsetCommit's metadata strings, per group and partition (not persisted: the EventLog's group
    /// files hold offsets only).
    let metadataLock = ConditionLock()
    var commitMetadata: [String: [TopicPartition: String]] = [:]
    /// The address clients are told to dial; set once the listener is bound.
    var advertisedHost: String
    var advertisedPort: Int32
    static let nodeId: Int32 = 0
    static let clusterId = "rewind"

    public init(log: EventLog, config: KafkaServerConfig, logger: @escaping @Sendable (String) -> Void) throws {
        self.log = log
        self.config = config
        self.logger = logger
        groups = GroupCoordinator(config: config, logger: logger)
        producerIds = try ProducerIdAllocator(path: log.directory + "/kafka-producer-ids")
        advertisedHost = config.advertisedHost ?? config.listenHost
        advertisedPort = Int32(config.advertisedPort ?? config.listenPort)
    }

    /// Groups with live members or state, for the explorer's status line.
    public func liveGroups() -> [(id: String, state: String, members: Int)] {
        groups.snapshot().filter { $0.members > 0 }.map { ($0.id, $0.state, $0.members) }
    }

    /// Requests answered so far (the status line's requests/s).
    public var requestsHandled: UInt64 { statsLock.withLock { requestCount } }

    /// Wakes every wait (long polls, joins, syncs) so that shutdown does not sit out their timeouts.
    func stop() {
        groups.stop()
        appended.withLock { appended.broadcast() }
    }

    // MARK: Dispatch

    func handle(_ bytes: [UInt8], client: ClientInfo) -> BrokerReply {
        statsLock.withLock { requestCount += 1 }
        let frame: RequestFrame
        do {
            frame = try RequestFrame.parse(bytes)
        } catch {
            return .close(reason: "malformed request header: \(error)")
        }
        if frame.apiKey == ApiVersionsRequest.apiKey && frame.apiVersion > 2 {
            return apiVersionsTooNew(frame)
        }
        guard SupportedVersions.supports(frame.apiKey, frame.apiVersion) else {
            return unsupported(frame)
        }
        do {
            return try dispatch(frame, client: client)
        } catch let error as KafkaDecodeError {
            return .close(reason: "malformed request (API \(frame.apiKey) v\(frame.apiVersion)): \(error)")
        } catch {
            return .close(reason: "request (API \(frame.apiKey) v\(frame.apiVersion)) failed: \(error)")
        }
    }

    private func dispatch(_ frame: RequestFrame, client: ClientInfo) throws -> BrokerReply {
        let version = frame.apiVersion
        switch frame.apiKey {
        case ApiVersionsRequest.apiKey:
            _ = try decode(ApiVersionsRequest.self, frame)
            return respond(frame, apiVersions())
        case MetadataRequest.apiKey:
            return respond(frame, metadata(try decode(MetadataRequest.self, frame), version: version))
        case ProduceRequest.apiKey:
            let request = try decode(ProduceRequest.self, frame)
            let response = produce(request, version: version)
            return request.acks == 0 ? .noResponse : respond(frame, response)
        case FetchRequest.apiKey:
            return respond(frame, fetch(try decode(FetchRequest.self, frame)))
        case ListOffsetsRequest.apiKey:
            return respond(frame, listOffsets(try decode(ListOffsetsRequest.self, frame)))
        case FindCoordinatorRequest.apiKey:
            return respond(frame, findCoordinator(try decode(FindCoordinatorRequest.self, frame)))
        case JoinGroupRequest.apiKey:
            return respond(frame, groups.join(try decode(JoinGroupRequest.self, frame), version: version, client: client, clientId: frame.header.clientId ?? ""))
        case SyncGroupRequest.apiKey:
            return respond(frame, groups.sync(try decode(SyncGroupRequest.self, frame)))
        case HeartbeatRequest.apiKey:
            return respond(frame, groups.heartbeat(try decode(HeartbeatRequest.self, frame)))
        case LeaveGroupRequest.apiKey:
            return respond(frame, groups.leave(try decode(LeaveGroupRequest.self, frame), version: version))
        case OffsetCommitRequest.apiKey:
            return respond(frame, offsetCommit(try decode(OffsetCommitRequest.self, frame)))
        case OffsetFetchRequest.apiKey:
            return respond(frame, offsetFetch(try decode(OffsetFetchRequest.self, frame), version: version))
        case ListGroupsRequest.apiKey:
            return respond(frame, listGroups())
        case DescribeGroupsRequest.apiKey:
            return respond(frame, groups.describe(try decode(DescribeGroupsRequest.self, frame)))
        case CreateTopicsRequest.apiKey:
            return respond(frame, createTopics(try decode(CreateTopicsRequest.self, frame), version: version))
        case InitProducerIdRequest.apiKey:
            return respond(frame, initProducerId(try decode(InitProducerIdRequest.self, frame)))
        default:
            return unsupported(frame)
        }
    }

    private func decode<M: KafkaMessage>(_: M.Type, _ frame: RequestFrame) throws -> M {
        var body = frame.body
        let message = try M(from: &body, version: frame.apiVersion)
        try body.expectEnd()
        return message
    }

    /// Response header (v0: correlation id; v1 adds an empty tag section) then the body.
    func respond<M: KafkaMessage>(_ frame: RequestFrame, _ body: M, version: Int16? = nil) -> BrokerReply {
        let version = version ?? frame.apiVersion
        var writer = KafkaWriter(capacity: 64)
        writer.writeInt32(frame.correlationId)
        if RequestFrame.responseHeaderVersion(apiKey: frame.apiKey, apiVersion: version) >= 1 { writer.writeTaggedFields([]) }
        body.encode(into: &writer, version: version)
        return .respond(writer.bytes)
    }

    /// An API or version we do not serve: the correlation id and error 35, the start every error
    /// body shares with ApiVersions v0, so the client reads a clear error instead of a dropped connection.
    private func unsupported(_ frame: RequestFrame) -> BrokerReply {
        logger("unsupported request: API \(frame.apiKey) v\(frame.apiVersion) from client '\(frame.header.clientId ?? "")'")
        var writer = KafkaWriter(capacity: 16)
        writer.writeInt32(frame.correlationId)
        writer.writeInt16(KafkaErrorCode.unsupportedVersion.rawValue)
        return .respond(writer.bytes)
    }

    // MARK: ApiVersions

    private func apiVersions() -> ApiVersionsResponse {
        var response = ApiVersionsResponse()
        response.apiKeys = SupportedVersions.table.sorted { $0.apiKey < $1.apiKey }.map { entry in
            var key = ApiVersionsResponse.ApiVersion()
            key.apiKey = entry.apiKey
            key.minVersion = entry.versions.lowerBound
            key.maxVersion = entry.versions.upperBound
            return key
        }
        return response
    }

    /// A client opening with ApiVersions v3+ (flexible) gets error 35 in a v0 body naming the
    /// versions of ApiVersions we serve; it then retries with v2.
    private func apiVersionsTooNew(_ frame: RequestFrame) -> BrokerReply {
        var response = ApiVersionsResponse()
        response.errorCode = KafkaErrorCode.unsupportedVersion.rawValue
        var key = ApiVersionsResponse.ApiVersion()
        key.apiKey = ApiVersionsRequest.apiKey
        key.minVersion = 0
        key.maxVersion = 2
        response.apiKeys = [key]
        return respond(frame, response, version: 0)
    }

    // MARK: Appends

    /// Wakes long polls after an append.
    func noteAppend() {
        appended.withLock {
            appendCount &+= 1
            appended.broadcast()
        }
    }

    var appendSequence: UInt64 { appended.withLock { appendCount } }

    // MARK: InitProducerId

    private func initProducerId(_ request: InitProducerIdRequest) -> InitProducerIdResponse {
        var response = InitProducerIdResponse()
        guard request.transactionalId == nil else {
            // Transactions need a transaction coordinator this broker does not have.
            response.errorCode = KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue
            response.producerId = -1
            response.producerEpoch = -1
            return response
        }
        do {
            response.producerId = try producerIds.next()
            response.producerEpoch = 0
        } catch {
            logger("cannot persist the producer id counter: \(error)")
            response.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
            response.producerId = -1
            response.producerEpoch = -1
        }
        return response
    }
}
