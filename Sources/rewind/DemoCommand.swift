import ArgumentParser
import EventLog
import Explorer
import Foundation
import KafkaServer
import Scenarios

/// `rewind demo`: a fresh log with days of history, a background producer appending live events,
/// a real consumer (the fraud pipeline) lagging and catching up, views running, and the explorer
/// open with a guided tour. Without a terminal it prepares the log and prints what to try.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "A live event-sourcing demo in the explorer: bank, ratings, pipeline or cdc (a database as it was yesterday).")

    enum Scenario: String, ExpressibleByArgument, CaseIterable { case bank, ratings, pipeline, cdc }

    @Argument(help: "bank (default), ratings, pipeline or cdc") var scenario: Scenario = .bank
    @Option(help: "Where to put the demo log (default: a new temporary directory).") var dir: String?
    @Option(help: "Events of history to generate first.") var events: Int = 20_000
    @Option(help: "Live events appended per second.") var rate: Double = 3
    @Flag(help: "Start without the guided tour.") var noTour = false

    func run() throws {
        let directory = try dir ?? makeTemporaryDirectory()
        if scenario == .cdc { return try runCDC(directory) }
        let log = try EventLog.open(directory, mode: .readWrite, create: true)
        defer { log.close() }
        let topic = scenario == .ratings ? "ratings" : "payments"
        let now = WallClock.now()
        if !log.topics().contains(where: { $0.name == topic }) {
            try log.createTopic(topic, config: TopicConfig(partitions: 3))
            var source = EventSource(kind: scenario == .ratings ? .ratings : .bank, seed: 42, accounts: scenario == .ratings ? 400 : 120,
                                     start: now.adding(milliseconds: -3 * 86_400_000), spanMs: 3 * 86_400_000, events: events)
            var remaining = events
            while remaining > 0 {
                let chunk = min(remaining, 5000)
                _ = try log.append(source.generate(chunk), to: topic)
                remaining -= chunk
            }
        }
        if scenario != .ratings, !log.topics().contains(where: { $0.name == "payments-flagged" }) {
            try log.createTopic("payments-flagged", config: TopicConfig(partitions: 1))
            _ = try FraudPipeline(log: log).run()
        }
        guard isatty(1) == 1, isatty(0) == 1 else {
            Output.standard.line("Demo log: \(directory)  (\(events) \(scenario == .ratings ? "ratings" : "bank") events over 3 days in '\(topic)')")
            Output.standard.line("Open it in a terminal:  rewind open \(directory)")
            Output.standard.line("Serve it to Kafka clients:  rewind serve --dir \(directory)")
            for command in ["topics describe", "consume \(topic) --max 5", "consume \(topic) --at -1d --max 3",
                            "view \(scenario == .ratings ? "ratings" : "balances") \(topic)", "lineage balances payments BradA", "groups describe"] {
                Output.standard.line("  rewind --dir \(directory) \(command)")
            }
            return
        }
        startProducer(log: log, topic: topic)
        // The demo's log is also a Kafka broker, so a learner can point kcat or their own producer at it.
        let broker = try startBroker(log: log)
        defer { broker?.shutdown() }
        var state = ExplorerState()
        state.logLabel = broker.map { "kcat -b 127.0.0.1:\($0.boundPort) -C -t \(topic)" } ?? directory
        state.isLive = true
        state.isReadOnly = false
        state.view.name = scenario == .ratings ? "ratings" : "balances"
        state.topicIndex = log.topics().firstIndex { $0.name == topic } ?? 0
        if !noTour {
            state.overlay = .tour
            state.focus = Tour.steps[0].pane
        }
        try ExplorerRunner.run(log: log, state: state)
    }

    /// Appends live events at `rate`/s; every few seconds the fraud pipeline (a real consumer group)
    /// catches up, so its lag visibly grows and shrinks in the topics pane.
    private func startProducer(log: EventLog, topic: String) {
        let kind: GenerateCommand.Kind = scenario == .ratings ? .ratings : .bank
        let rate = self.rate
        let runsPipeline = scenario != .ratings
        Thread.detachNewThread {
            var source = EventSource(kind: kind, seed: UInt64(WallClock.now().milliseconds), accounts: 120,
                                     start: WallClock.now(), spanMs: 60_000, events: 100)
            var appended = 0
            while true {
                var record = source.next()
                record.timestamp = WallClock.now()
                _ = try? log.append([record], to: topic)
                appended += 1
                if runsPipeline, appended % max(1, Int(rate * 4)) == 0 { _ = try? FraudPipeline(log: log).run() }
                usleep(useconds_t(1_000_000 / max(0.1, rate)))
            }
        }
    }

    /// A Kafka broker over the demo log on a free loopback port; nil (the demo goes on) if it cannot listen.
    private func startBroker(log: EventLog) throws -> KafkaServer? {
        var config = KafkaServerConfig()
        config.listenPort = 0
        let server = try KafkaServer(log: log, config: config, logger: { _ in })
        do {
            try server.start()
            return server
        } catch {
            return nil
        }
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/rewind-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailure(message: "cannot create a temporary directory in /tmp") }
        return String(cString: made) + "/log"
    }
}
