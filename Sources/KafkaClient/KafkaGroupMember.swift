import Basics
import Dispatch
import EventLog
import Glibc
import KafkaProtocol

/// A member of a Kafka consumer group over the classic protocol (protocol type "consumer", eager
/// rebalancing), what `consume --group G` over kafka:// is:
///
/// 1. FindCoordinator names the group's coordinator; the member opens its own connection to it,
///    because a coordinator answers one connection's requests in order and a JoinGroup waits there
///    for the whole rebalance: fetches and heartbeats must not queue behind it.
/// 2. JoinGroup with the subscription for each assignor (`range`, then `roundrobin`); a v4+
///    coordinator first answers MEMBER_ID_REQUIRED with the id to join with (KIP-394).
/// 3. The leader (the coordinator picks it) runs the chosen assignor over every member's
///    subscription; SyncGroup hands each member its partitions.
/// 4. A heartbeat every `heartbeatIntervalMs` on a background queue. REBALANCE_IN_PROGRESS,
///    ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID (or no good heartbeat for a session timeout) sets
///    `needsRejoin`: the reader commits what it read, then `rejoin` runs 2–3 again.
/// 5. Commits carry the generation and member id, so a member that lost its partitions in a
///    rebalance cannot move the new owner's offsets; LeaveGroup on `leave` lets the others
///    rebalance at once instead of after a session timeout.
///
/// Not here: cooperative (incremental) rebalancing, static membership (group.instance.id), the
/// sticky assignors, KIP-848's consumer protocol.
public final class KafkaGroupMember: GroupMembership, @unchecked Sendable {
    public struct Options: Sendable {
        /// The coordinator removes a member that sends no heartbeat for this long.
        public var sessionTimeoutMs: Int32 = 10_000
        /// How long the coordinator waits for every member to rejoin a rebalance (Kafka's
        /// max.poll.interval.ms); a member's JoinGroup can wait this long.
        public var rebalanceTimeoutMs: Int32 = 30_000
        /// A third or less of the session timeout, as Kafka advises, so two lost heartbeats are survivable.
        public var heartbeatIntervalMs = 1_000
        /// In preference order: the coordinator takes the leader's first that every member speaks.
        public var assignors: [ConsumerAssignor] = [.range, .roundrobin]
        public init() {}
    }

    public let group: String
    public let topics: [String]
    let cluster: KafkaCluster
    let options: Options
    private let lock = ConditionLock()
    private var connection: BrokerConnection?
    private var memberId = ""
    private var generation: Int32 = -1
    private var assigned: [TopicPartition] = []
    private var rejoinNeeded = false
    private var joining = false
    private var hasLeft = false
    private var lastGoodHeartbeatMs: Int64 = 0
    /// Join/sync rounds one `rejoin` tries (each a rebalance the coordinator restarted) before it gives up.
    static var joinRoundsMax: Int { 30 }

    public init(cluster: KafkaCluster, group: String, topics: [String], options: Options = Options()) throws {
        precondition(!options.assignors.isEmpty, "a member needs an assignor")
        guard !group.isEmpty else { throw KafkaClientError(.invalidArgument, "the group id is empty", target: cluster.url.cluster) }
        self.cluster = cluster
        self.group = group
        self.topics = topics
        self.options = options
        try joinAndSync()
        DispatchQueue(label: "rewind.heartbeat.\(group)").async { [self] in heartbeatLoop() }
    }

    deinit { leave() }

    public var assignment: [TopicPartition] { lock.withLock { assigned } }
    public var needsRejoin: Bool { lock.withLock { rejoinNeeded } }
    /// The generation and member id commits carry.
    public var identity: (generation: Int32, memberId: String) { lock.withLock { (generation, memberId) } }

    public func rejoin() throws -> [TopicPartition] {
        try joinAndSync()
        return assignment
    }

    public func committedOffsets() throws -> [TopicPartition: Offset] {
        let mine = Set(assignment)
        return try cluster.committedOffsets(group).filter { mine.contains($0.key) }
    }

    public func commit(_ offsets: [TopicPartition: Offset]) throws -> Bool {
        let (generation, memberId) = identity
        do {
            try cluster.commit(group, offsets, generation: generation, memberId: memberId, over: try coordinatorConnection())
            return true
        } catch let error as KafkaClientError where error.code == .broker && error.kafkaErrorCode.map(Self.meansRebalance) == true {
            lock.withLock {
                rejoinNeeded = true
                if error.kafkaErrorCode == KafkaErrorName.unknownMemberId { self.memberId = "" }
            }
            return false
        }
    }

    public func leave() {
        let (memberId, connection): (String, BrokerConnection?) = lock.withLock {
            defer {
                hasLeft = true
                self.connection = nil
                lock.broadcast()
            }
            return hasLeft ? ("", nil) : (self.memberId, self.connection)
        }
        guard let connection else { return }
        if !memberId.isEmpty {
            var request = LeaveGroupRequest()
            request.groupId = group
            request.memberId = memberId
            var identity = LeaveGroupRequest.MemberIdentity()
            identity.memberId = memberId
            request.members = [identity]
            // Best effort: without it the group rebalances after the session timeout instead.
            _ = try? connection.send(request, LeaveGroupResponse.self)
        }
        connection.close()
    }

    // MARK: Joining

    static func meansRebalance(_ code: Int16) -> Bool {
        code == KafkaErrorName.rebalanceInProgress || code == KafkaErrorName.illegalGeneration || code == KafkaErrorName.unknownMemberId
    }

    static func meansCoordinatorMoved(_ code: Int16) -> Bool {
        code == KafkaErrorName.notCoordinator || code == KafkaErrorName.coordinatorNotAvailable || code == KafkaErrorName.coordinatorLoadInProgress
    }

    /// The member's own connection to the coordinator, found and dialled again after it was lost.
    func coordinatorConnection() throws -> BrokerConnection {
        if let current = lock.withLock({ connection }), current.isUsable { return current }
        let address = try cluster.coordinatorAddress(of: group)
        let fresh = try BrokerConnection(address: address, options: cluster.connectionOptions)
        let (replaced, left): (BrokerConnection?, Bool) = lock.withLock {
            defer { if !hasLeft { connection = fresh } }
            return (connection, hasLeft)
        }
        replaced?.close()
        if left {
            fresh.close()
            throw KafkaClientError(.closed, "left group '\(group)'", target: cluster.url.cluster)
        }
        return fresh
    }

    private func dropConnection() {
        let old: BrokerConnection? = lock.withLock {
            defer { connection = nil }
            return connection
        }
        old?.close()
    }

    private func joinAndSync() throws {
        lock.withLock { joining = true }
        defer { lock.withLock { joining = false } }
        var backoffMs = KafkaClientLimits.backoffMsInitial
        func backOff() {
            usleep(UInt32(backoffMs) * 1000)
            backoffMs = min(backoffMs * 2, KafkaClientLimits.backoffMsMax)
        }
        for _ in 0..<Self.joinRoundsMax {
            let connection: BrokerConnection
            do { connection = try coordinatorConnection() } catch let error as KafkaClientError where KafkaCluster.isRetriable(error) {
                backOff()
                continue
            }
            guard let joined = try exchange(joinRequest(), JoinGroupResponse.self, over: connection, backOff) else { continue }
            if joined.errorCode == KafkaErrorName.memberIdRequired {
                lock.withLock { memberId = joined.memberId }
                continue
            }
            if joined.errorCode != 0 {
                try recover(from: joined.errorCode, "JoinGroup", backOff)
                continue
            }
            lock.withLock {
                memberId = joined.memberId
                generation = joined.generationId
            }
            var sync = SyncGroupRequest()
            sync.groupId = group
            sync.generationId = joined.generationId
            sync.memberId = joined.memberId
            sync.protocolType = "consumer"
            sync.protocolName = joined.protocolName
            if joined.leader == joined.memberId { sync.assignments = try leaderAssignments(joined) }
            guard let synced = try exchange(sync, SyncGroupResponse.self, over: connection, backOff) else { continue }
            if synced.errorCode != 0 {
                try recover(from: synced.errorCode, "SyncGroup", backOff)
                continue
            }
            let partitions = try ConsumerAssignor.assignedPartitions(synced.assignment).filter { topics.contains($0.topic) }.sorted()
            lock.withLock {
                assigned = partitions
                rejoinNeeded = false
                lastGoodHeartbeatMs = MonotonicClock.milliseconds()
            }
            return
        }
        throw KafkaClientError(.broker, "group '\(group)' did not settle after \(Self.joinRoundsMax) rebalances", target: cluster.url.cluster)
    }

    /// A JoinGroup or SyncGroup, which the coordinator may hold for the whole rebalance; nil when
    /// the connection was lost or the answer late (dropped, after a backoff: the round restarts).
    private func exchange<Request: KafkaMessage, Response: KafkaMessage>(_ request: Request, _ response: Response.Type, over connection: BrokerConnection,
                                                                       _ backOff: () -> Void) throws -> Response? {
        do {
            return try connection.send(request, response, extraWaitMs: Int(options.rebalanceTimeoutMs)).0
        } catch let error as KafkaClientError where error.code == .connectionLost || error.code == .timeout {
            dropConnection()
            backOff()
            return nil
        }
    }

    /// After a JoinGroup or SyncGroup error: what lets the next round succeed, or the error.
    private func recover(from code: Int16, _ what: String, _ backOff: () -> Void) throws {
        if code == KafkaErrorName.unknownMemberId {
            lock.withLock { memberId = "" }
        } else if Self.meansRebalance(code) {
            backOff()
        } else if Self.meansCoordinatorMoved(code) {
            dropConnection()
            backOff()
        } else {
            throw failure(what, code)
        }
    }

    private func joinRequest() -> JoinGroupRequest {
        var request = JoinGroupRequest()
        request.groupId = group
        request.sessionTimeoutMs = options.sessionTimeoutMs
        request.rebalanceTimeoutMs = options.rebalanceTimeoutMs
        request.memberId = lock.withLock { memberId }
        request.protocolType = "consumer"
        let subscription = ConsumerAssignor.subscription(topics: topics)
        request.protocols = options.assignors.map { assignor in
            var entry = JoinGroupRequest.JoinGroupRequestProtocol()
            entry.name = assignor.rawValue
            entry.metadata = subscription
            return entry
        }
        return request
    }

    /// The leader's work: every member's subscription through the assignor the coordinator chose.
    private func leaderAssignments(_ joined: JoinGroupResponse) throws -> [SyncGroupRequest.SyncGroupRequestAssignment] {
        guard let name = joined.protocolName, let assignor = ConsumerAssignor(rawValue: name) else {
            throw KafkaClientError(.broker, "group '\(group)' chose assignor '\(joined.protocolName ?? "none")', which Rewind does not implement (it speaks \(options.assignors.map(\.rawValue).joined(separator: ", ")))",
                                   target: cluster.url.cluster)
        }
        let members = try joined.members.map { member in
            ConsumerAssignor.Member(memberId: member.memberId, topics: try ConsumerAssignor.subscribedTopics(member.metadata))
        }
        var counts: [String: Int32] = [:]
        for topic in Set(members.flatMap(\.topics)) {
            // A topic the cluster does not have gets no partitions, as in Kafka's assignors.
            if let partitions = try? cluster.partitions(of: topic, refresh: true) { counts[topic] = Int32(partitions.count) }
        }
        let split = assignor.assign(members, partitionCounts: counts)
        return members.map { member in
            var entry = SyncGroupRequest.SyncGroupRequestAssignment()
            entry.memberId = member.memberId
            entry.assignment = ConsumerAssignor.assignment(split[member.memberId] ?? [])
            return entry
        }
    }

    private func failure(_ what: String, _ code: Int16) -> KafkaClientError {
        KafkaClientError(.broker, "\(what) for group '\(group)' failed: \(KafkaErrorName.describe(code))", target: cluster.url.cluster, kafkaErrorCode: code)
    }

    // MARK: Heartbeats

    private func heartbeatLoop() {
        lock.lock()
        while !hasLeft {
            lock.wait(timeoutMs: options.heartbeatIntervalMs)
            if hasLeft { break }
            if joining || rejoinNeeded { continue }
            var request = HeartbeatRequest()
            request.groupId = group
            request.generationId = generation
            request.memberId = memberId
            let silentMs = MonotonicClock.milliseconds() - lastGoodHeartbeatMs
            lock.unlock()
            let code: Int16?
            do {
                code = try coordinatorConnection().send(request, HeartbeatResponse.self).0.errorCode
            } catch {
                code = nil
            }
            lock.lock()
            // An answer about a generation a rejoin has replaced says nothing about the new one.
            guard !joining, request.generationId == generation else { continue }
            switch code {
            case 0?:
                lastGoodHeartbeatMs = MonotonicClock.milliseconds()
            case let code? where Self.meansRebalance(code):
                rejoinNeeded = true
                if code == KafkaErrorName.unknownMemberId { memberId = "" }
            case let code? where Self.meansCoordinatorMoved(code):
                connection?.close()
                connection = nil
            case nil, _?:
                // The coordinator cannot be reached or refuses: past a session timeout the group
                // has surely removed this member, so join again.
                if silentMs > Int64(options.sessionTimeoutMs) { rejoinNeeded = true }
            }
        }
        lock.unlock()
    }
}
