import ArgumentParser
import EventLog
import Interop
import Glibc
import LogSources
import KafkaClient
import NATS

@main
struct Rewind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewind",
        abstract: "A terminal time machine for event logs: Kafka-compatible storage, replay, views.",
        discussion: "New here? Run `rewind demo` for a live tour.",
        version: "0.1.0",
        subcommands: [
            TopicsCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupsCommand.self,
            VerifyCommand.self, RepairCommand.self, RetentionCommand.self, CompactCommand.self, GenerateCommand.self, ViewCommand.self, LineageCommand.self, DiffCommand.self,
            ImportCommand.self, ExportCommand.self, MirrorCommand.self,
            OpenCommand.self, DemoCommand.self, ServeCommand.self,
        ]
    )

    /// Runs the command line; every failure ends as one `rewind: error: …` line and a non-zero exit.
    static func main() {
        signal(SIGPIPE, SIG_IGN) // `rewind consume | head` ends quietly instead of dying on a signal
        let arguments = hoistingGlobalDirectory(Array(CommandLine.arguments.dropFirst()))
        if arguments.isEmpty {
            print(helpMessage())
            print("\nStart with:  rewind demo")
            return
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Output.standard.flush()
        } catch let error as EventLogError {
            Output.standard.flush()
            fail("\(error)", code: 1)
        } catch let error as NATSError {
            Output.standard.flush()
            fail("\(error)", code: 1)
        } catch let error as KafkaClientError {
            Output.standard.flush()
            fail("\(error)", code: 1)
        } catch let error as CommandFailure {
            Output.standard.flush()
            fail(error.message, code: error.exitCode)
        } catch {
            Output.standard.flush()
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error) // --help, --version
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail("\(message) (see `rewind help`)", code: code.rawValue)
        }
    }

    /// `rewind --dir D consume …` reads naturally but argument-parser only knows options of the leaf
    /// command, so a leading `--dir` moves behind the subcommand path.
    static func hoistingGlobalDirectory(_ arguments: [String]) -> [String] {
        var arguments = arguments
        guard let first = arguments.first else { return arguments }
        if first == "--dir", arguments.count >= 2 {
            let value = arguments[1]
            arguments.removeFirst(2)
            return arguments + ["--dir", value]
        }
        if first.hasPrefix("--dir=") {
            arguments.removeFirst()
            return arguments + [first]
        }
        return arguments
    }

    static func fail(_ message: String, code: Int32) -> Never {
        let line = "rewind: error: \(message)\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
        Glibc.exit(code)
    }
}

/// A failure the command detected itself, with its own exit code.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

/// `--dir` on every command.
struct LogDirectoryOption: ParsableArguments {
    @Option(name: .long, help: "The log directory, or nats://HOST:PORT[/STREAM] or kafka://HOST:PORT[,HOST:PORT…][/TOPIC] for reading commands.")
    var dir: String = "./rewind-data"

    /// The one read path (a directory, nats://…): reading commands never ask which backend it is.
    func openSource() throws -> any LogSource { try LogSourceFactory.open(dir) }

    /// The embedded engine itself, for what only it has (verify, repair, mirror's exactly-once reads).
    func openForReading() throws -> EventLog {
        try EventLog.open(dir, mode: .readOnly, decompressor: Codecs.decompressor)
    }

    func openForWriting(create: Bool = true) throws -> EventLog {
        let log = try EventLog.open(dir, mode: .readWrite, create: create, decompressor: Codecs.decompressor)
        for repair in log.repairs { Output.note("repaired \(repair)") }
        return log
    }
}

enum Codecs {
    /// gzip, snappy (xerial framing too), lz4 and zstd: every codec Kafka writes.
    static let decompressor: BatchDecompressor = LogSourceFactory.decompressor
}

/// The wall clock, read only at the edge (commands), never inside library logic.
enum WallClock {
    static func now() -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(milliseconds: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }
}
