import ArgumentParser
import EventLog
import NATS
import Projections
import Explorer

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Explore a log in the terminal: a Rewind log, a Kafka data dir, or one partition dir. Read-only unless --write.",
        discussion: "Keys: ? in the explorer lists them all (j/k step, t time, [ ] scrub, r rebuild, l lineage, / search, q quit).")

    @Argument(help: "Log directory (default: --dir).") var path: String?
    @OptionGroup var log: LogDirectoryOption
    @Flag(help: "Open for writing (takes the writer lock; repairs a torn tail).") var write = false
    @Option(help: "View to show: balances, ratings, search, table, a spec, or auto (the one that fits each topic).") var view: String = ViewCatalog.automaticName
    @Option(help: "Topic to start on.") var topic: String?
    @OptionGroup var decoding: DecodeOptions

    func run() throws {
        let directory = path ?? log.dir
        if NATSURL.isNATS(directory) { return try runOverJetStream(directory) }
        let eventLog = write
            ? try EventLog.open(directory, mode: .readWrite, decompressor: Codecs.decompressor)
            : try EventLog.open(directory, mode: .readOnly, decompressor: Codecs.decompressor)
        defer { eventLog.close() }
        var state = ExplorerState()
        state.logLabel = directory
        state.isReadOnly = !write
        state.view.name = view
        if let topic {
            guard let index = eventLog.topics().firstIndex(where: { $0.name == topic }) else {
                throw EventLogError(.notFound, "unknown topic '\(topic)'", path: directory)
            }
            state.topicIndex = index
        }
        try ExplorerRunner.run(log: eventLog, state: state, decoders: try decoding.decoders(for: eventLog))
    }
}
