import Glibc
import ArgumentParser
import EventLog

/// A narrated tour on a freshly generated bank log (the explorer replaces this with a live session).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Generate a demo bank log and tour it.")

    @Option(help: "Where to put the demo log (default: a new temporary directory).") var dir: String?
    @Option(help: "Events to generate.") var events: Int = 5000

    func run() throws {
        let directory = try dir ?? makeTemporaryDirectory()
        let eventLog = try EventLog.open(directory, mode: .readWrite, create: true)
        defer { eventLog.close() }
        if !eventLog.topics().contains(where: { $0.name == "payments" }) {
            try eventLog.createTopic("payments", config: TopicConfig(partitions: 3))
        }
        let start = WallClock.now().adding(milliseconds: -3 * 86_400_000)
        var random = DemoRandom(seed: 42)
        let accounts = ["BradA", "CarolM", "EveL", "Zoë", "DanK", "FayT", "GusP", "HanaR"]
        var records: [ProducerRecord] = []
        for n in 0..<events {
            let account = accounts[min(accounts.count - 1, Int(random.next() % 64) / 8 % accounts.count)]
            let deposit = random.next() % 3 != 0
            let amount = Int(random.next() % 500) + 1
            let value = "{\"type\":\"\(deposit ? "deposit" : "withdrawal")\",\"account\":\"\(account)\",\"amount\":\(amount)}"
            let time = start.adding(milliseconds: Int64(n) * (3 * 86_400_000 / Int64(max(events, 1))))
            records.append(ProducerRecord(key: Array(account.utf8), value: Array(value.utf8),
                                          headers: [Header(key: "event-id", value: Array("ev-\(n)".utf8))], timestamp: time))
        }
        _ = try eventLog.append(records, to: "payments")
        Output.standard.line("Demo log: \(directory)  (\(events) bank events over 3 days in topic 'payments')")
        Output.standard.line("Try:")
        for command in ["topics describe payments", "consume payments --max 5", "consume payments --at -1d --max 3",
                        "consume payments --group balances --max 100", "groups describe balances"] {
            Output.standard.line("  rewind --dir \(directory) \(command)")
        }
        Output.standard.line("  rewind verify \(directory)")
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/rewind-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailure(message: "cannot create a temporary directory in /tmp") }
        return String(cString: made) + "/log"
    }
}

struct DemoRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
