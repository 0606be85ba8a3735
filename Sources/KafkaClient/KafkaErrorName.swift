/// Kafka's error codes the client reacts to or names in messages (numbers from Kafka's `Errors` table).
enum KafkaErrorName {
    static let offsetOutOfRange: Int16 = 1
    static let unknownTopicOrPartition: Int16 = 3
    static let leaderNotAvailable: Int16 = 5
    static let notLeaderOrFollower: Int16 = 6
    static let requestTimedOut: Int16 = 7
    static let coordinatorLoadInProgress: Int16 = 14
    static let coordinatorNotAvailable: Int16 = 15
    static let notCoordinator: Int16 = 16
    static let illegalGeneration: Int16 = 22
    static let unknownMemberId: Int16 = 25
    static let rebalanceInProgress: Int16 = 27
    static let unsupportedVersion: Int16 = 35
    static let topicAlreadyExists: Int16 = 36
    static let duplicateSequence: Int16 = 46
    static let outOfOrderSequence: Int16 = 45
    static let groupIdNotFound: Int16 = 69
    static let fencedLeaderEpoch: Int16 = 74
    static let unknownLeaderEpoch: Int16 = 75
    static let memberIdRequired: Int16 = 79

    static let names: [Int16: String] = [
        -1: "UNKNOWN_SERVER_ERROR", 1: "OFFSET_OUT_OF_RANGE", 2: "CORRUPT_MESSAGE", 3: "UNKNOWN_TOPIC_OR_PARTITION",
        5: "LEADER_NOT_AVAILABLE", 6: "NOT_LEADER_OR_FOLLOWER", 7: "REQUEST_TIMED_OUT", 10: "MESSAGE_TOO_LARGE",
        14: "COORDINATOR_LOAD_IN_PROGRESS", 15: "COORDINATOR_NOT_AVAILABLE", 16: "NOT_COORDINATOR", 17: "INVALID_TOPIC_EXCEPTION",
        22: "ILLEGAL_GENERATION", 23: "INCONSISTENT_GROUP_PROTOCOL", 24: "INVALID_GROUP_ID", 25: "UNKNOWN_MEMBER_ID",
        26: "INVALID_SESSION_TIMEOUT", 27: "REBALANCE_IN_PROGRESS", 29: "TOPIC_AUTHORIZATION_FAILED", 30: "GROUP_AUTHORIZATION_FAILED",
        35: "UNSUPPORTED_VERSION", 36: "TOPIC_ALREADY_EXISTS", 37: "INVALID_PARTITIONS", 38: "INVALID_REPLICATION_FACTOR",
        42: "INVALID_REQUEST", 45: "OUT_OF_ORDER_SEQUENCE_NUMBER", 46: "DUPLICATE_SEQUENCE_NUMBER", 47: "INVALID_PRODUCER_EPOCH",
        56: "KAFKA_STORAGE_ERROR", 59: "UNKNOWN_PRODUCER_ID", 69: "GROUP_ID_NOT_FOUND", 74: "FENCED_LEADER_EPOCH",
        75: "UNKNOWN_LEADER_EPOCH", 79: "MEMBER_ID_REQUIRED",
    ]

    static func describe(_ code: Int16) -> String { "\(names[code] ?? "error") (\(code))" }

    /// Errors after which fresh metadata (a new leader) may succeed.
    static func isStaleMetadata(_ code: Int16) -> Bool {
        [unknownTopicOrPartition, leaderNotAvailable, notLeaderOrFollower, fencedLeaderEpoch, unknownLeaderEpoch].contains(code)
    }
}
