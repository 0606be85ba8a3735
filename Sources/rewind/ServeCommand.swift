import ArgumentParser
import Dispatch
import Foundation
import EventLog
import Explorer
import Glibc
import KafkaServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the log over the Kafka protocol: real Kafka clients produce into it and consume from it.",
        discussion: """
        Point an application's bootstrap.servers at the address; topics are created on first use
        (unless --no-auto-create). acks=1/all mean "in the page cache" unless --durable, where
        acks=all is answered only after fdatasync. SIGTERM or Ctrl-C: stops accepting, answers
        requests in flight, flushes and closes the log. Watch it live with `rewind open DIR`.
          rewind serve --dir ./rewind-data
          kcat -b 127.0.0.1:9092 -P -t payments
        """)

    @OptionGroup var log: LogDirectoryOption
    @Option(help: "Address to listen on (HOST:PORT; port 0 picks a free one).") var listen = "127.0.0.1:9092"
    @Option(help: "Address clients are told to connect to (default: the listen address).") var advertise: String?
    @Option(help: "Partitions of an auto-created topic.") var partitions: Int32 = 1
    @Flag(help: "Refuse topics that do not exist instead of creating them on first use.") var noAutoCreate = false
    @Flag(help: "Answer acks=all only after the data is on disk (fdatasync, shared by concurrent producers).") var durable = false
    @Flag(help: "Log one line per connection and group event instead of opening the explorer.") var headless = false
    @Option(help: "Consumer group initial rebalance delay, ms (Kafka's default is 3000).") var initialRebalanceDelayMs = 0

    func validate() throws {
        _ = try Self.parseAddress(listen, option: "--listen")
        if let advertise { _ = try Self.parseAddress(advertise, option: "--advertise") }
        if partitions < 1 || partitions > Limits.partitionsPerTopicMax { throw ValidationError("--partitions must be within 1...\(Limits.partitionsPerTopicMax)") }
        if initialRebalanceDelayMs < 0 || initialRebalanceDelayMs > 300_000 { throw ValidationError("--initial-rebalance-delay-ms must be within 0...300000") }
    }

    static func parseAddress(_ text: String, option: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
              colon > text.startIndex else {
            throw ValidationError("\(option) must be HOST:PORT, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func run() throws {
        let eventLog = try log.openForWriting()
        var config = KafkaServerConfig()
        let address = try Self.parseAddress(listen, option: "--listen")
        config.listenHost = address.host
        config.listenPort = address.port
        if let advertise {
            let advertised = try Self.parseAddress(advertise, option: "--advertise")
            config.advertisedHost = advertised.host
            config.advertisedPort = advertised.port
        }
        config.defaultPartitions = partitions
        config.autoCreateTopics = !noAutoCreate
        config.durable = durable
        config.initialRebalanceDelayMs = initialRebalanceDelayMs
        // On a terminal the explorer owns the screen: log lines are kept and printed once it closes.
        let interactive = !headless && isatty(1) != 0 && isatty(0) != 0
        if interactive { ServeLog.keepInMemory() }
        let server = try KafkaServer(log: eventLog, config: config, logger: ServeLog.line)
        do {
            try server.start()
        } catch {
            eventLog.close()
            throw CommandFailure(message: "cannot listen on \(listen): \(error)")
        }
        let advertised = "\(config.advertisedHost ?? config.listenHost):\(config.advertisedPort ?? server.boundPort)"
        ServeLog.line("serving \(log.dir) on \(config.listenHost):\(server.boundPort) (advertised \(advertised)), durable acks=all: \(durable ? "yes" : "no")")
        if interactive {
            try runExplorer(over: eventLog, server: server, address: advertised)
            ServeLog.printKept()
        } else {
            waitForTerminationSignal()
        }
        ServeLog.line("stopping: answering requests in flight, then closing the log")
        server.shutdown()
        do {
            for topic in eventLog.topics() {
                for partition in try eventLog.partitions(of: topic.name) { try partition.sync() }
            }
        } catch {
            ServeLog.line("flush failed: \(error)")
        }
        eventLog.close()
        ServeLog.line("stopped")
    }

    /// The explorer over the served log, live and read-only, with the broker's status in its
    /// header (address, connected clients, requests/s, live groups); returns when the user quits
    /// or a signal arrives.
    private func runExplorer(over eventLog: EventLog, server: KafkaServer, address: String) throws {
        var state = ExplorerState()
        state.isLive = true
        state.isReadOnly = true
        var lastCount = server.broker.requestsHandled
        var lastTime = monotonicSeconds()
        var rate = 0.0
        // Short: it shares the header with the cursor, the live mark and the integrity badge.
        func status() -> String {
            let clients = server.connectionCount, groups = server.broker.liveGroups().count
            return "⇄ \(address) \(clients) client\(clients == 1 ? "" : "s") \(Int(rate.rounded())) req/s"
                + (groups == 0 ? "" : " \(groups) group\(groups == 1 ? "" : "s")")
        }
        state.logLabel = status()
        try ExplorerRunner.run(log: eventLog, state: state) { state in
            let now = monotonicSeconds()
            if now - lastTime >= 1 {
                let count = server.broker.requestsHandled
                rate = Double(count - lastCount) / (now - lastTime)
                (lastCount, lastTime) = (count, now)
            }
            state.logLabel = status()
        }
    }

    /// Blocks until SIGTERM or SIGINT.
    private func waitForTerminationSignal() {
        let done = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            sources.append(source)
        }
        done.wait()
        sources.forEach { $0.cancel() }
    }
}

/// Serve's log: one line per event on standard output, written whole (several threads log).
enum ServeLog {
    private static let lock = ConditionLock()
    nonisolated(unsafe) private static var kept: [String]?
    /// Lines kept while the explorer owns the terminal; the oldest go first past this.
    private static let keptLinesMax = 1_000

    static func keepInMemory() { lock.withLock { kept = [] } }

    /// Prints the lines kept while the explorer was open (the last `keptLinesMax`) and logs directly again.
    static func printKept() {
        let lines = lock.withLock { () -> [String] in
            defer { kept = nil }
            return kept ?? []
        }
        for line in lines { write(line) }
    }

    @Sendable static func line(_ text: String) {
        let now = WallClock.now().milliseconds
        var seconds = time_t(now / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let stamp = String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now % 1000))
        let line = stamp + " " + text + "\n"
        let keptIt = lock.withLock { () -> Bool in
            guard kept != nil else { return false }
            kept!.append(line)
            if kept!.count > keptLinesMax { kept!.removeFirst(kept!.count - keptLinesMax) }
            return true
        }
        if !keptIt { write(line) }
    }

    private static func write(_ line: String) {
        let bytes = Array(line.utf8)
        lock.withLock {
            var done = 0
            while done < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
                if written <= 0 { return }
                done += written
            }
        }
    }
}
