@testable import EventLog
@testable import Explorer
import Projections

/// A fixed, fully populated explorer state: every pane has data, nothing depends on a clock.
func fixtureState(width: Int = 80, height: Int = 24) -> ExplorerState {
    var state = ExplorerState()
    state.width = width
    state.height = height
    state.logLabel = "/data/bank"
    state.isLive = true
    state.isReadOnly = false
    state.topics = [
        ExplorerState.TopicEntry(name: "payments", retention: "forever", partitions: [
            ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 1200, bytes: 150_000, firstTimestamp: 1_700_000_000_000, lastTimestamp: 1_700_200_000_000,
                                         integrity: .verified),
            ExplorerState.PartitionEntry(partition: 1, startOffset: 0, endOffset: 980, bytes: 121_000, firstTimestamp: 1_700_000_000_500, lastTimestamp: 1_700_199_000_000,
                                         integrity: .broken(offset: 412)),
        ]),
        ExplorerState.TopicEntry(name: "payments-flagged", retention: "7d", partitions: [
            ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 31, bytes: 7_000, firstTimestamp: nil, lastTimestamp: nil, integrity: .checking),
        ]),
    ]
    state.followers = [ExplorerState.Follower(name: "pipeline.flagger → payments", position: 2100, end: 2180)]
    state.backgroundTopic = "payments" // past the first frame: the topic's background work runs
    state.cursor = 1195
    state.events = (Int64(1190)..<Int64(1200)).map { (offset: Int64) -> ExplorerState.EventRow in
        let accounts = ["BradA", "Zoë", "CarolM", "EveL"]
        let account = accounts[Int(offset) % accounts.count]
        let type = offset % 3 == 0 ? "withdrawal" : "deposit"
        let timestamp: Int64 = 1_700_190_000_000 + (offset - 1190) * 61_000
        return ExplorerState.EventRow(partition: 0, offset: offset, timestamp: timestamp, key: account,
                                      preview: #"{"type":"\#(type)","account":"\#(account)","amount":\#(offset % 97 + 3)}"#)
    }
    state.timeline = (0..<80).map { ($0 * 37 + 11) % 23 }
    state.timelineStart = 1_700_000_000_000
    state.timelineEnd = 1_700_200_000_000
    state.view.columns = ["account", "balance", "deposits", "withdrawals", "rejected", "last event"]
    state.view.rows = [("BradA", 1250.0, 40), ("CarolM", 87.0, 12), ("EveL", 430.0, 9), ("Zoë", -20.0, 7)].map { name, balance, count in
        ViewRow(key: name, values: [.double(balance), .int(Int64(count)), .int(Int64(count / 2)), .int(1), .text("2023-11-17T03:06:40.000Z")])
    }
    state.view.changed = ["EveL": 0]
    state.view.asOf = "p0@1195 11-17 03:06:40"
    state.view.applied = 2150
    state.view.follower = ExplorerState.Follower(name: "view balances → payments", position: 2150, end: 2180)
    return state
}

func fixtureDetail() -> [String] {
    let record = Record(offset: Offset(1195), timestamp: Timestamp(milliseconds: 1_700_190_305_000), key: Array("BradA".utf8),
                        value: Array(#"{"type":"deposit","account":"BradA","amount":42,"tags":["atm","night"]}"#.utf8),
                        headers: [Header(key: "event-id", value: Array("bank-1195".utf8)), Header(key: "trace", value: nil)],
                        batch: BatchInfo(baseOffset: Offset(1190), lastOffset: Offset(1199), magic: 2, compression: .none, timestampType: .createTime,
                                         isTransactional: false, isControl: false, producerId: -1, producerEpoch: -1, baseSequence: -1,
                                         partitionLeaderEpoch: 0, position: 81_920, sizeInBytes: 1_024))
    return EventDetail.lines(record, topic: "payments", partition: 0)
}

func fixtureLineage() -> [ExplorerState.LineageRow] {
    let steps: [(Int, String, String, String)] = [(0, "-", "100", "+100"), (1, "100", "180", "+80"), (2, "180", "180", "+0"), (3, "180", "130", "-50")]
    return steps.map { step in
        let timestamp: Int64 = 1_700_000_000_000 + Int64(step.0) * 3_600_000
        return ExplorerState.LineageRow(partition: 0, offset: Int64(100 * step.0 + 7), timestamp: timestamp, before: step.1, after: step.2,
                                        delta: step.3, summary: #"{"type":"deposit","account":"BradA"}"#, duplicate: step.0 == 2)
    }
}

/// A captured broker's topic of 50 partitions beside the fixture's topics, 3 of them loaded so
/// far, the cursor on the first: the topics pane shows it collapsed to one line.
func manyPartitionsState(width: Int = 80, height: Int = 24) -> ExplorerState {
    var state = fixtureState(width: width, height: height)
    let partitions = (Int32(0)..<50).map { index -> ExplorerState.PartitionEntry in
        index < 3 ? ExplorerState.PartitionEntry(partition: index, startOffset: 0, endOffset: 2000, bytes: 280_000, firstTimestamp: 1_700_000_000_000,
                                                 lastTimestamp: 1_700_019_990_000, integrity: .unchained)
            : ExplorerState.PartitionEntry(partition: index, startOffset: 0, endOffset: 0, bytes: 0, firstTimestamp: nil, lastTimestamp: nil,
                                           integrity: .checking, isLoaded: false)
    }
    state.topics.insert(ExplorerState.TopicEntry(name: "orders", retention: "7d", partitions: partitions), at: 0)
    state.isLive = false
    state.focus = .topics
    state.topicIndex = 0
    state.partitionIndex = 0
    state.cursor = 0
    state.events = (Int64(0)..<Int64(10)).map { offset in
        ExplorerState.EventRow(partition: 0, offset: offset, timestamp: 1_700_000_000_000 + offset * 10, key: "c\(offset)",
                               preview: #"{"order":"o-\#(offset)","status":"placed"}"#)
    }
    state.backgroundTopic = "orders"
    return state
}
