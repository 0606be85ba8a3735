import ArgumentParser
import EventLog
import Explorer
import Foundation
import KafkaServer
import Projections
import Scenarios

/// `rewind demo`: a fresh log with days of history, a background producer appending live events,
/// a real consumer (the fraud pipeline) lagging and catching up, views running, and the explorer
/// open on the first lesson. Without a terminal it prepares the log and prints what to try.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "A live event-sourcing demo in the explorer, with lessons: bank, ratings, pipeline, or cdc (a database as it was yesterday).")

    @Argument(help: "bank (default), ratings, pipeline or cdc") var scenario: String = "bank"
    @Option(help: "Where to put the demo log (default: a new temporary directory).") var dir: String?
    @Option(help: "Events of history to generate first.") var events: Int = 20_000
    @Option(help: "Live events appended per second.") var rate: Double = 3
    @Option(help: "Start at this lesson (see --lessons).") var lesson: String?
    @Flag(help: "List the scenario's lessons and exit.") var lessons = false
    @Flag(name: [.customLong("no-lessons"), .customLong("no-tour")], help: "Start without the lesson box (T opens it).") var noLessons = false

    func validate() throws {
        guard DemoScenario.named(scenario) != nil || scenario == DemoScenario.cdcName else {
            throw ValidationError("unknown scenario '\(scenario)': one of \((DemoScenario.all.map(\.name) + [DemoScenario.cdcName]).joined(separator: ", "))")
        }
        if let lesson, !LessonCatalog.lessons(for: scenario).contains(where: { $0.id == lesson }) {
            throw ValidationError("no lesson '\(lesson)' in the \(scenario) demo: one of \(LessonCatalog.lessons(for: scenario).map(\.id).joined(separator: ", "))")
        }
    }

    func run() throws {
        // cdc has no live producer and no lessons yet: a database's history opened at a time.
        if scenario == DemoScenario.cdcName, !lessons { return try runCDC(try dir ?? makeTemporaryDirectory()) }
        guard let scenario = DemoScenario.named(self.scenario) else { return }
        let catalog = LessonCatalog.lessons(for: scenario.name)
        if lessons {
            for (index, lesson) in catalog.enumerated() { Output.standard.line("\(index + 1). \(lesson.id)  \(lesson.name)") }
            return
        }
        let directory = try dir ?? makeTemporaryDirectory()
        let log = try EventLog.open(directory, mode: .readWrite, create: true)
        defer { log.close() }
        try scenario.prepare(log: log, events: events, now: WallClock.now())
        guard isatty(1) == 1, isatty(0) == 1 else {
            Output.standard.line("Demo log: \(directory)  (\(events) \(scenario.name) events over 3 days in '\(scenario.topic)')")
            Output.standard.line("Open it in a terminal:  rewind open \(directory)")
            Output.standard.line("Serve it to Kafka clients:  rewind serve --dir \(directory)")
            for command in scenario.tryCommands { Output.standard.line("  rewind --dir \(directory) \(command)") }
            return
        }
        let world = DemoWorld(log: log, topic: scenario.topic, clock: { WallClock.now() })
        startProducer(world: world, scenario: scenario)
        // The demo's log is also a Kafka broker, so a learner can point kcat or their own producer at it.
        let broker = try startBroker(log: log)
        defer { broker?.shutdown() }
        var state = ExplorerState()
        state.logLabel = broker.map { "kcat -b 127.0.0.1:\($0.boundPort) -C -t \(scenario.topic)" } ?? directory
        state.isLive = true
        state.isReadOnly = false
        state.view.name = scenario.view
        state.topicIndex = log.topics().firstIndex { $0.name == scenario.focusTopic } ?? 0
        state.status = scenario.greeting
        var effects = Explorer.startLessons(catalog, at: catalog.firstIndex { $0.id == lesson } ?? 0, &state)
        if noLessons {
            state.lessons.isOpen = false
            effects = []
        }
        try ExplorerRunner.run(log: log, state: state, stage: { Self.stage($0, world) }, effects: effects)
    }

    /// Does what a lesson asks of the live demo; a failure shows on the status line.
    static func stage(_ stage: LessonStage, _ world: DemoWorld) -> [Message] {
        do {
            switch stage {
            case .none: return []
            case .pauseConsumer: return [.staged(try world.stopPipeline())]
            case .resumeConsumer:
                world.pipelinePaused = false
                world.runPipeline()
                return []
            case .restartConsumer: return [.staged(try world.restartPipeline())]
            case .withdraw: return [.staged(try world.withdraw())]
            case .rateItem: return [.staged(try world.rateItem())]
            case .duplicate: return [.staged(try world.redeliver())]
            case .retention: return [.staged(try world.startRetention())]
            case .compactCopy: return [.staged(try world.compactCopy())]
            }
        } catch {
            return [.failed("lesson: \(error)")]
        }
    }

    /// Appends live events at `rate`/s; every few seconds the fraud pipeline (a real consumer group)
    /// catches up, so its lag visibly grows and shrinks in the topics pane. A 50 ms step also feeds
    /// the retention lesson's topic once it exists.
    private func startProducer(world: DemoWorld, scenario: DemoScenario) {
        let rate = self.rate
        Thread.detachNewThread {
            let started = WallClock.now().milliseconds
            var source = scenario.liveSource(now: WallClock.now())
            var appended = 0
            var nextEvent = monotonicSeconds()
            while true {
                world.tick(now: WallClock.now())
                if monotonicSeconds() >= nextEvent {
                    var record = source.next()
                    record.timestamp = WallClock.now()
                    // The live generator numbers its event-ids from 0 like the history's: prefixed,
                    // they stay unique (the view would skip them as duplicates) and its own
                    // redeliveries stay duplicates.
                    record.headers = record.headers.map { $0.key == "event-id" ? Header(key: $0.key, value: Array("live-\(started)-".utf8) + ($0.value ?? [])) : $0 }
                    _ = try? world.log.append([record], to: scenario.topic)
                    appended += 1
                    if scenario.runsPipeline, appended % max(1, Int(rate * 4)) == 0 { world.runPipeline() }
                    nextEvent += 1 / max(0.1, rate)
                }
                usleep(50_000)
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

/// The demo's scenarios as data: a new one (`cdc`) is one more entry in `all`.
struct DemoScenario {
    var name: String
    /// The topic the live producer appends to, and the one the explorer opens on.
    var topic: String
    var focusTopic: String
    var kind: GenerateCommand.Kind
    var accounts: Int
    var view: String
    /// The fraud pipeline consumes the topic into `payments-flagged` (its group's lag is on screen).
    var runsPipeline: Bool
    var tryCommands: [String]
    /// The status line of the first screen: what this scenario is about.
    var greeting = ""

    static let all: [DemoScenario] = [
        DemoScenario(name: "bank", topic: "payments", focusTopic: "payments", kind: .bank, accounts: 120, view: "balances", runsPipeline: true,
                     tryCommands: ["topics describe", "consume payments --max 5", "consume payments --at -1d --max 3",
                                   "view balances payments", "lineage balances payments BradA", "groups describe"]),
        DemoScenario(name: "ratings", topic: "ratings", focusTopic: "ratings", kind: .ratings, accounts: 400, view: "ratings", runsPipeline: false,
                     tryCommands: ["topics describe", "consume ratings --max 5", "consume ratings --at -1d --max 3", "view ratings ratings"]),
        // The fraud flagger is the star: the demo opens on its output topic, with the table of the
        // latest flag per account beside it and its group's lag in the topics pane.
        DemoScenario(name: "pipeline", topic: "payments", focusTopic: DemoWorld.flaggedTopic, kind: .bank, accounts: 120, view: "table", runsPipeline: true,
                     tryCommands: ["groups describe", "consume payments-flagged --max 5", "view table payments-flagged",
                                   "consume payments --at -1d --max 3"],
                     greeting: "pipeline.flagger reads payments, flags suspicious withdrawals to payments-flagged"),
    ]

    /// `rewind demo cdc` (DemoCommand+CDC): Debezium change events, not one of these live scenarios.
    static let cdcName = "cdc"

    static func named(_ name: String) -> DemoScenario? { all.first { $0.name == name } }

    func prepare(log: EventLog, events: Int, now: Timestamp) throws {
        if !log.topics().contains(where: { $0.name == topic }) {
            try log.createTopic(topic, config: TopicConfig(partitions: 3))
            // The generators space events by random gaps averaging the span, so the last can land an
            // hour or two past it (2,000 events: ±2 %). History in the future would sit before the
            // live events in offset order but after them in time, and a view folded as of now stops
            // at it (the live events behind it never fold): 95 % of the span, and a clamp at now.
            var source = EventSource(kind: kind, seed: 42, accounts: accounts, start: now.adding(milliseconds: -3 * 86_400_000),
                                     spanMs: 3 * 86_400_000 * 95 / 100, events: events)
            var remaining = events
            while remaining > 0 {
                let chunk = min(remaining, 5000)
                let records = source.generate(chunk).map { record -> ProducerRecord in
                    var past = record
                    if past.timestamp.milliseconds > now.milliseconds { past.timestamp = now }
                    return past
                }
                _ = try log.append(records, to: topic)
                remaining -= chunk
            }
        }
        if runsPipeline, !log.topics().contains(where: { $0.name == DemoWorld.flaggedTopic }) {
            try log.createTopic(DemoWorld.flaggedTopic, config: TopicConfig(partitions: 1))
            _ = try FraudPipeline(log: log).run()
        }
    }

    func liveSource(now: Timestamp) -> EventSource {
        EventSource(kind: kind, seed: UInt64(now.milliseconds), accounts: accounts, start: now, spanMs: 60_000, events: 100)
    }
}
