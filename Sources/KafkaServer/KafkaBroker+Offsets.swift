import EventLog
import KafkaProtocol

/// FindCoordinator, OffsetCommit, OffsetFetch and ListGroups. Committed offsets are the EventLog's
/// consumer groups (`groups/<group>.json`), so `rewind groups describe` and the explorer show a
/// real application's lag. The metadata string a commit carries is kept in memory only.
extension KafkaBroker {
    func findCoordinator(_ request: FindCoordinatorRequest) -> FindCoordinatorResponse {
        var response = FindCoordinatorResponse()
        response.nodeId = Self.nodeId
        response.host = advertisedHost
        response.port = advertisedPort
        return response
    }

    func offsetCommit(_ request: OffsetCommitRequest) -> OffsetCommitResponse {
        var response = OffsetCommitResponse()
        let refusal: KafkaErrorCode? = (try? log.groups.committed(request.groupId)) == nil
            ? .invalidGroupId
            : groups.checkCommit(group: request.groupId, generation: request.generationIdOrMemberEpoch, memberId: request.memberId)
        var offsets: [TopicPartition: Offset] = [:]
        var codes: [TopicPartition: KafkaErrorCode] = [:]
        for topic in request.topics {
            let count = (try? log.partitions(of: topic.name))?.count ?? 0
            for partition in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                if let refusal {
                    codes[key] = refusal
                } else if partition.partitionIndex < 0 || Int(partition.partitionIndex) >= count {
                    codes[key] = .unknownTopicOrPartition
                } else if partition.committedOffset >= 0 {
                    offsets[key] = Offset(partition.committedOffset)
                    metadataLock.withLock { commitMetadata[request.groupId, default: [:]][key] = partition.committedMetadata ?? "" }
                }
            }
        }
        if !offsets.isEmpty {
            do {
                try log.groups.commit(request.groupId, offsets)
            } catch {
                logger("commit of group \(request.groupId) failed: \(error)")
                for key in offsets.keys { codes[key] = .kafkaStorageError }
            }
        }
        response.topics = request.topics.map { topic in
            var result = OffsetCommitResponse.OffsetCommitResponseTopic()
            result.name = topic.name
            result.partitions = topic.partitions.map { partition in
                var entry = OffsetCommitResponse.OffsetCommitResponseTopic.OffsetCommitResponsePartition()
                entry.partitionIndex = partition.partitionIndex
                entry.errorCode = (codes[TopicPartition(topic: topic.name, partition: partition.partitionIndex)] ?? .none).rawValue
                return entry
            }
            return result
        }
        return response
    }

    func offsetFetch(_ request: OffsetFetchRequest, version: Int16) -> OffsetFetchResponse {
        var response = OffsetFetchResponse()
        let committed: [TopicPartition: Offset]
        do {
            committed = try log.groups.committed(request.groupId)
        } catch {
            response.errorCode = KafkaErrorCode.invalidGroupId.rawValue
            return response
        }
        let metadata = metadataLock.withLock { commitMetadata[request.groupId] ?? [:] }
        // v2+: null topics asks for every committed offset of the group.
        let wanted: [(String, [Int32])] = request.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
            ?? Dictionary(grouping: committed.keys, by: \.topic).sorted { $0.key < $1.key }.map { ($0.key, $0.value.map(\.partition).sorted()) }
        response.topics = wanted.map { name, partitions in
            var topic = OffsetFetchResponse.OffsetFetchResponseTopic()
            topic.name = name
            topic.partitions = partitions.map { index in
                let key = TopicPartition(topic: name, partition: index)
                var entry = OffsetFetchResponse.OffsetFetchResponseTopic.OffsetFetchResponsePartition()
                entry.partitionIndex = index
                entry.committedOffset = committed[key]?.rawValue ?? -1
                entry.metadata = metadata[key] ?? ""
                return entry
            }
            return topic
        }
        return response
    }

    func listGroups() -> ListGroupsResponse {
        var response = ListGroupsResponse()
        var listed: [String: ListGroupsResponse.ListedGroup] = [:]
        // Groups that only have committed offsets (an earlier run, `rewind consume --group`) are Empty.
        for id in (try? log.groups.list()) ?? [] {
            var group = ListGroupsResponse.ListedGroup()
            group.groupId = id
            group.protocolType = "consumer"
            group.groupState = "Empty"
            listed[id] = group
        }
        for live in groups.snapshot() {
            var group = ListGroupsResponse.ListedGroup()
            group.groupId = live.id
            group.protocolType = live.protocolType
            group.groupState = live.state
            listed[live.id] = group
        }
        response.groups = listed.keys.sorted().map { listed[$0]! }
        return response
    }
}
