import EventLog
import Explorer
import Glibc
import Projections
import Scenarios

extension DemoCommand {
    /// `rewind demo cdc`: the bank monolith's database streamed by Debezium (customers and orders
    /// over three days), opened in the explorer with the cursor at 14:00 yesterday, so the view
    /// pane shows the `table` of customers as it was then; j/k walk through its changes.
    func runCDC(_ directory: String) throws {
        let log = try EventLog.open(directory, mode: .readWrite, create: true)
        defer { log.close() }
        let now = WallClock.now()
        var generator = CDCGenerator(seed: 42, customers: 150, start: now.adding(milliseconds: -3 * 86_400_000), spanMs: 3 * 86_400_000, events: events)
        let customers = generator.customersTopic
        if !log.topics().contains(where: { $0.name == customers }) {
            // One partition per table: an offset is then a position in the table's history.
            for topic in generator.topics { try log.createTopic(topic, config: TopicConfig(partitions: 1)) }
            var remaining = events
            while remaining > 0 {
                let chunk = generator.generate(min(remaining, 5000))
                for topic in generator.topics { _ = try log.append(chunk.filter { $0.topic == topic }.map(\.record), to: topic) }
                remaining -= chunk.count
            }
        }
        let asOf = "yesterday 14:00"
        guard isatty(1) == 1, isatty(0) == 1 else {
            Output.standard.line("Demo log: \(directory)  (\(events) Debezium change events of bank.customers and bank.orders over 3 days)")
            for command in ["view table \(customers) --at '\(asOf)'", "diff table \(customers) --from '\(asOf)' --to now",
                            "lineage table \(customers) '{\"id\":1}'", "open --topic \(customers)"] {
                Output.standard.line("  rewind --dir \(directory) \(command)")
            }
            return
        }
        let partition = try log.partition(TopicPartition(topic: customers, partition: 0))
        let firstAfter = try partition.offset(forTimestamp: try TimeExpression.parse(asOf, now: now)).rawValue
        var state = ExplorerState()
        state.logLabel = directory
        state.isReadOnly = false
        state.view.name = ViewCatalog.automaticName
        state.topicIndex = log.topics().firstIndex { $0.name == customers } ?? 0
        state.cursor = max(partition.startOffset.rawValue, firstAfter - 1)
        state.status = "bank.customers as it was at 14:00 yesterday: the last change before it is under the cursor; j/k step, v views, l lineage"
        try ExplorerRunner.run(log: log, state: state)
    }
}
