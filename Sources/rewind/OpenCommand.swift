import ArgumentParser
import EventLog
import Projections
import Explorer
import LogSources

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Explore a log in the terminal: a Rewind log, a Kafka data dir, one partition dir, or nats://HOST:PORT[/STREAM]. Read-only unless --write.",
        discussion: "Keys: ? in the explorer lists them all (j/k step, t time, [ ] scrub, r rebuild, l lineage, / search, q quit).")

    @Argument(help: "Log directory or source URL (default: --dir).") var path: String?
    @OptionGroup var log: LogDirectoryOption
    @Flag(help: "Open for writing (takes the writer lock; repairs a torn tail).") var write = false
    @Option(help: "View to show: balances, ratings, search, table, a spec, or auto (the one that fits each topic).") var view: String = ViewCatalog.automaticName
    @Option(help: "Topic to start on.") var topic: String?
    @OptionGroup var decoding: DecodeOptions

    func run() throws {
        let opened = try ExplorerLog.open(path ?? log.dir, writable: write, decompressor: Codecs.decompressor)
        defer { opened.close() }
        let eventLog = opened.log
        var state = ExplorerState()
        state.logLabel = opened.label
        state.isReadOnly = !write
        state.view.name = view
        if let topic {
            guard let index = eventLog.topics().firstIndex(where: { $0.name == topic }) else {
                throw EventLogError(.notFound, "unknown topic '\(topic)'", path: opened.label)
            }
            state.topicIndex = index
        }
        try ExplorerRunner.run(log: eventLog, state: state, decoders: try decoding.decoders(for: eventLog))
    }
}
