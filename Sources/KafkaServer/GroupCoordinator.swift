import EventLog
import Foundation
import KafkaProtocol

/// Kafka's classic consumer-group protocol for every group, in memory (committed offsets are the
/// EventLog's, see KafkaBroker+Offsets).
///
/// States (Kafka's names): Empty → PreparingRebalance (a join, a leave or an expiry) →
/// CompletingRebalance (every member rejoined, or the rebalance timeout passed and the missing
/// ones were removed; the generation goes up and the leader gets the member list) → Stable (the
/// leader's SyncGroup delivered the assignment) → PreparingRebalance again on the next change.
///
/// Joins and syncs block their worker until the state they wait for arrives or their timeout
/// passes; every state change broadcasts on `lock`. A member whose heartbeats stop for its session
/// timeout is removed by `expireMembers`, which the server calls every few hundred milliseconds.
final class GroupCoordinator: @unchecked Sendable {
    enum State: String {
        case empty = "Empty"
        case preparingRebalance = "PreparingRebalance"
        case completingRebalance = "CompletingRebalance"
        case stable = "Stable"
        case dead = "Dead"
    }

    struct Member {
        var memberId: String
        var groupInstanceId: String?
        var clientId: String
        var clientHost: String
        var sessionTimeoutMs: Int32
        var rebalanceTimeoutMs: Int32
        var protocolType: String
        var protocols: [(name: String, metadata: [UInt8])]
        var assignment: [UInt8] = []
        var lastHeartbeat: UInt64
        /// Set while the member has joined the rebalance in progress.
        var joined = false
    }

    final class Group {
        let id: String
        var state = State.empty
        var generation: Int32 = 0
        var protocolType: String?
        var protocolName: String?
        var leader: String?
        var members: [String: Member] = [:]
        /// Member ids handed out with MEMBER_ID_REQUIRED, not yet joined (Kafka's pending members).
        var pending: Set<String> = []
        /// When a rebalance in progress completes even if not every member rejoined.
        var rebalanceDeadline: UInt64 = 0
        /// Not before this (the initial rebalance delay), so that a group's first members can arrive together.
        var earliestCompletion: UInt64 = 0
        /// Join order, so the leader and the member list are stable across runs.
        var order: [String] = []

        init(id: String) { self.id = id }
    }

    let lock = ConditionLock()
    private var groups: [String: Group] = [:]
    private var stopping = false
    private let initialRebalanceDelayMs: Int
    private let sessionTimeoutsMs: ClosedRange<Int32>
    private let logger: @Sendable (String) -> Void
    /// Bounds a sync's wait for the leader's assignment when no rebalance timeout says otherwise.
    private let syncWaitMsMax: UInt64 = 300_000

    init(config: KafkaServerConfig, logger: @escaping @Sendable (String) -> Void) {
        initialRebalanceDelayMs = config.initialRebalanceDelayMs
        sessionTimeoutsMs = config.sessionTimeoutMsMin...config.sessionTimeoutMsMax
        self.logger = logger
    }

    var isStopping: Bool { lock.withLock { stopping } }

    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000 }

    /// Groups with live state, for ListGroups and the explorer's pane.
    func snapshot() -> [(id: String, state: String, protocolType: String, members: Int)] {
        lock.withLock {
            groups.values.sorted { $0.id < $1.id }.map { ($0.id, $0.state.rawValue, $0.protocolType ?? "", $0.members.count) }
        }
    }

    /// For OffsetCommit: nil when the member and generation may commit, else the error. As in
    /// Kafka, members commit during PreparingRebalance (that is when they give partitions up), not
    /// during CompletingRebalance, when the new assignment is not known yet.
    func checkCommit(group id: String, generation: Int32, memberId: String) -> KafkaErrorCode? {
        guard generation >= 0 else { return nil } // generation -1: a commit outside group membership
        return lock.withLock {
            guard let group = groups[id], group.state != .empty else { return .illegalGeneration }
            if group.state == .completingRebalance { return .rebalanceInProgress }
            guard group.members[memberId] != nil else { return .unknownMemberId }
            guard group.generation == generation else { return .illegalGeneration }
            return nil
        }
    }

    // MARK: JoinGroup

    func join(_ request: JoinGroupRequest, version: Int16, client: ClientInfo, clientId: String) -> JoinGroupResponse {
        var response = JoinGroupResponse()
        response.generationId = -1
        response.memberId = request.memberId
        func fail(_ code: KafkaErrorCode) -> JoinGroupResponse {
            response.errorCode = code.rawValue
            return response
        }
        guard !request.groupId.isEmpty else { return fail(.invalidGroupId) }
        guard sessionTimeoutsMs.contains(request.sessionTimeoutMs) else { return fail(.invalidSessionTimeout) }
        guard !request.protocols.isEmpty else { return fail(.inconsistentGroupProtocol) }
        lock.lock()
        defer { lock.unlock() }
        let group = groups[request.groupId] ?? {
            let created = Group(id: request.groupId)
            groups[request.groupId] = created
            return created
        }()
        if let type = group.protocolType, !group.members.isEmpty, type != request.protocolType { return fail(.inconsistentGroupProtocol) }
        if !group.members.isEmpty, !request.protocols.contains(where: { supportedByAll(group, $0.name, except: request.memberId) }) {
            return fail(.inconsistentGroupProtocol)
        }
        var memberId = request.memberId
        if memberId.isEmpty {
            memberId = (clientId.isEmpty ? "member" : clientId) + "-" + UUID().uuidString.lowercased()
            if version >= 4 {
                // KIP-394: the client must come back with this id, so a join lost on the way cannot leave a ghost member.
                group.pending.insert(memberId)
                response.memberId = memberId
                return fail(.memberIdRequired)
            }
        } else if group.members[memberId] == nil && !group.pending.contains(memberId) {
            return fail(.unknownMemberId)
        }
        group.pending.remove(memberId)
        let isNew = group.members[memberId] == nil
        var member = group.members[memberId] ?? Member(
            memberId: memberId, groupInstanceId: request.groupInstanceId, clientId: clientId, clientHost: "/" + client.host,
            sessionTimeoutMs: request.sessionTimeoutMs, rebalanceTimeoutMs: request.rebalanceTimeoutMs,
            protocolType: request.protocolType, protocols: [], lastHeartbeat: Self.now())
        member.protocols = request.protocols.map { ($0.name, $0.metadata) }
        member.sessionTimeoutMs = request.sessionTimeoutMs
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs
        member.lastHeartbeat = Self.now()
        group.members[memberId] = member
        if isNew { group.order.append(memberId) }
        group.protocolType = request.protocolType
        if isNew { logger("group \(group.id): member \(memberId) joins (\(clientId) at \(client.remoteAddress))") }
        if group.state != .preparingRebalance { beginRebalance(group, reason: isNew ? "member \(memberId) joined" : "member \(memberId) rejoined") }
        group.members[memberId]!.joined = true
        completeRebalanceIfReady(group)
        // Wait for the rebalance this join is part of to complete.
        let joinedGeneration = group.generation
        while group.state == .preparingRebalance && group.generation == joinedGeneration && !stopping {
            let wait = group.rebalanceDeadline > Self.now() ? group.rebalanceDeadline - Self.now() : 1
            lock.wait(timeoutMs: Int(min(wait, 1_000)))
            completeRebalanceIfReady(group)
        }
        guard group.members[memberId] != nil, group.generation != joinedGeneration || group.state != .preparingRebalance else {
            return fail(stopping ? .coordinatorNotAvailable : .unknownMemberId)
        }
        response.errorCode = 0
        response.generationId = group.generation
        response.protocolType = group.protocolType
        response.protocolName = group.protocolName
        response.leader = group.leader ?? ""
        response.memberId = memberId
        if memberId == group.leader {
            response.members = group.order.compactMap { id in
                guard let member = group.members[id] else { return nil }
                var entry = JoinGroupResponse.JoinGroupResponseMember()
                entry.memberId = id
                entry.groupInstanceId = member.groupInstanceId
                entry.metadata = member.protocols.first { $0.name == group.protocolName }?.metadata ?? []
                return entry
            }
        }
        return response
    }

    private func supportedByAll(_ group: Group, _ name: String, except memberId: String) -> Bool {
        group.members.values.allSatisfy { $0.memberId == memberId || $0.protocols.contains { $0.name == name } }
    }

    /// Lock held. Every member must rejoin within its rebalance timeout.
    private func beginRebalance(_ group: Group, reason: String) {
        let wasEmpty = group.state == .empty
        group.state = .preparingRebalance
        for id in group.members.keys { group.members[id]!.joined = false }
        let timeout = UInt64(group.members.values.map { max(0, Int($0.rebalanceTimeoutMs)) }.max() ?? 0)
        let delay = wasEmpty ? UInt64(initialRebalanceDelayMs) : 0
        group.rebalanceDeadline = Self.now() + max(timeout, delay)
        group.earliestCompletion = Self.now() + delay
        logger("group \(group.id): rebalance (\(reason))")
        lock.broadcast()
    }

    /// Lock held. Completes when every member has rejoined (after the initial delay), or at the
    /// deadline without the members that did not.
    private func completeRebalanceIfReady(_ group: Group) {
        guard group.state == .preparingRebalance else { return }
        let now = Self.now()
        let allJoined = group.members.values.allSatisfy(\.joined)
        guard (allJoined && now >= group.earliestCompletion) || now >= group.rebalanceDeadline else { return }
        for (id, member) in group.members where !member.joined {
            group.members[id] = nil
            logger("group \(group.id): member \(id) removed (did not rejoin in time)")
        }
        group.order.removeAll { group.members[$0] == nil }
        group.generation += 1
        guard !group.members.isEmpty else {
            group.state = .empty
            group.leader = nil
            group.protocolName = nil
            lock.broadcast()
            return
        }
        if group.leader.map({ group.members[$0] == nil }) ?? true { group.leader = group.order.first }
        let leader = group.members[group.leader!]!
        group.protocolName = leader.protocols.first { supportedByAll(group, $0.name, except: "") }?.name ?? leader.protocols.first?.name
        for id in group.members.keys {
            group.members[id]!.joined = false
            group.members[id]!.assignment = []
            group.members[id]!.lastHeartbeat = now
        }
        group.state = .completingRebalance
        logger("group \(group.id): generation \(group.generation) with \(group.members.count) member\(group.members.count == 1 ? "" : "s"), leader \(group.leader!), protocol \(group.protocolName ?? "")")
        lock.broadcast()
    }

    // MARK: SyncGroup

    func sync(_ request: SyncGroupRequest) -> SyncGroupResponse {
        var response = SyncGroupResponse()
        func fail(_ code: KafkaErrorCode) -> SyncGroupResponse {
            response.errorCode = code.rawValue
            return response
        }
        lock.lock()
        defer { lock.unlock() }
        guard let group = groups[request.groupId], group.members[request.memberId] != nil else { return fail(.unknownMemberId) }
        guard group.generation == request.generationId else { return fail(.illegalGeneration) }
        if group.state == .preparingRebalance { return fail(.rebalanceInProgress) }
        response.protocolType = group.protocolType
        response.protocolName = group.protocolName
        if group.state == .completingRebalance && request.memberId == group.leader {
            for assignment in request.assignments where group.members[assignment.memberId] != nil {
                group.members[assignment.memberId]!.assignment = assignment.assignment
            }
            group.state = .stable
            logger("group \(group.id): generation \(group.generation) stable")
            lock.broadcast()
        }
        let deadline = Self.now() + min(syncWaitMsMax, UInt64(max(1, group.members[request.memberId]!.rebalanceTimeoutMs)))
        while group.state == .completingRebalance && group.generation == request.generationId && !stopping && Self.now() < deadline {
            lock.wait(timeoutMs: Int(min(deadline - Self.now(), 1_000)) + 1)
        }
        guard group.state == .stable, group.generation == request.generationId, let member = group.members[request.memberId] else {
            return fail(.rebalanceInProgress)
        }
        response.assignment = member.assignment
        return response
    }

    // MARK: Heartbeat and LeaveGroup

    func heartbeat(_ request: HeartbeatRequest) -> HeartbeatResponse {
        var response = HeartbeatResponse()
        response.errorCode = lock.withLock { () -> KafkaErrorCode in
            guard let group = groups[request.groupId], group.members[request.memberId] != nil else { return .unknownMemberId }
            group.members[request.memberId]!.lastHeartbeat = Self.now()
            if group.state == .preparingRebalance { return .rebalanceInProgress }
            guard group.generation == request.generationId else { return .illegalGeneration }
            return group.state == .stable ? .none : .rebalanceInProgress
        }.rawValue
        return response
    }

    func leave(_ request: LeaveGroupRequest, version: Int16) -> LeaveGroupResponse {
        var response = LeaveGroupResponse()
        let ids = version >= 3 ? request.members.map(\.memberId) : [request.memberId]
        lock.withLock {
            guard let group = groups[request.groupId] else {
                response.errorCode = KafkaErrorCode.unknownMemberId.rawValue
                return
            }
            var results: [LeaveGroupResponse.MemberResponse] = []
            for id in ids {
                var result = LeaveGroupResponse.MemberResponse()
                result.memberId = id
                if group.members.removeValue(forKey: id) != nil {
                    group.order.removeAll { $0 == id }
                    logger("group \(group.id): member \(id) left")
                } else {
                    result.errorCode = KafkaErrorCode.unknownMemberId.rawValue
                }
                results.append(result)
            }
            if version >= 3 { response.members = results } else { response.errorCode = results.first?.errorCode ?? 0 }
            if results.contains(where: { $0.errorCode == 0 }) { membershipChanged(group, reason: "a member left") }
        }
        return response
    }

    /// Lock held: after members left or expired, the rest rebalance (or the group becomes Empty).
    private func membershipChanged(_ group: Group, reason: String) {
        if group.members.isEmpty {
            group.state = .empty
            group.generation += 1
            group.leader = nil
            group.protocolName = nil
            logger("group \(group.id): empty")
            lock.broadcast()
            return
        }
        if group.state != .preparingRebalance { beginRebalance(group, reason: reason) }
        completeRebalanceIfReady(group)
    }

    /// Removes members whose session timed out (not those waiting in a join: the rebalance
    /// timeout bounds those), and completes rebalances whose deadline passed.
    func expireMembers() {
        lock.withLock {
            let now = Self.now()
            for group in groups.values {
                var expired: [String] = []
                for (id, member) in group.members where !member.joined && now > member.lastHeartbeat + UInt64(max(0, member.sessionTimeoutMs)) {
                    expired.append(id)
                }
                for id in expired {
                    group.members[id] = nil
                    group.order.removeAll { $0 == id }
                    logger("group \(group.id): member \(id) expired (no heartbeat for its session timeout)")
                }
                if !expired.isEmpty { membershipChanged(group, reason: "session expiry") }
                completeRebalanceIfReady(group)
            }
        }
    }

    // MARK: DescribeGroups

    func describe(_ request: DescribeGroupsRequest) -> DescribeGroupsResponse {
        var response = DescribeGroupsResponse()
        lock.withLock {
            response.groups = request.groups.map { id in
                var described = DescribeGroupsResponse.DescribedGroup()
                described.groupId = id
                guard let group = groups[id] else {
                    // Kafka describes an unknown group as Dead with no members.
                    described.groupState = State.dead.rawValue
                    return described
                }
                described.groupState = group.state.rawValue
                described.protocolType = group.protocolType ?? ""
                described.protocolData = group.state == .stable || group.state == .completingRebalance ? (group.protocolName ?? "") : ""
                described.members = group.order.compactMap { memberId in
                    guard let member = group.members[memberId] else { return nil }
                    var entry = DescribeGroupsResponse.DescribedGroup.DescribedGroupMember()
                    entry.memberId = memberId
                    entry.groupInstanceId = member.groupInstanceId
                    entry.clientId = member.clientId
                    entry.clientHost = member.clientHost
                    entry.memberMetadata = member.protocols.first { $0.name == group.protocolName }?.metadata ?? []
                    entry.memberAssignment = member.assignment
                    return entry
                }
                return described
            }
        }
        return response
    }
}
