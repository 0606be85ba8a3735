// CQRS in one screen: commands are validated by the write side against up-to-date state and become
// events; queries read a view that folds those events on its own schedule, so it can lag.
//
//   swift run bank-example [--dir DIR]            a narrated session
//   swift run bank-example --dir DIR --stdin      commands from stdin: deposit NAME N | withdraw NAME N | balance NAME | refresh
import EventLog
import Glibc
import Projections
import Scenarios

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let directory = option("--dir") ?? "/tmp/rewind-bank-example-\(getpid())"
let log = try EventLog.open(directory, mode: .readWrite, create: true)
defer { log.close() }
if !log.topics().contains(where: { $0.name == "payments" }) {
    try log.createTopic("payments", config: TopicConfig(partitions: 2))
}
let bank = try BankService(log: log, topic: "payments")
var clock: Int64 = {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Int64(time.tv_sec) * 1000
}()

@MainActor func perform(_ line: String) throws {
    let words = line.split(separator: " ").map(String.init)
    clock += 1000
    switch (words.first, words.count) {
    case ("deposit", 3), ("withdraw", 3):
        guard let amount = Int64(words[2]) else { print("  ! amount must be a whole number"); return }
        let command: BankService.Command = words[0] == "deposit" ? .deposit(account: words[1], amount: amount) : .withdraw(account: words[1], amount: amount)
        switch try bank.handle(command, at: Timestamp(milliseconds: clock)) {
        case let .accepted(partition, offset): print("  ✓ \(line) → event at payments-\(partition)@\(offset)")
        case let .rejected(reason, partition, offset): print("  ✗ \(line) → rejected (\(reason)); the refusal is event payments-\(partition)@\(offset)")
        }
    case ("balance", 2):
        let (balance, lag) = try bank.queryBalance(words[1])
        print("  ? balance \(words[1]) = \(Int64(balance))" + (lag > 0 ? "   (read side \(lag) event\(lag == 1 ? "" : "s") behind: eventually consistent)" : "   (read side up to date)"))
    case ("refresh", 1):
        print("  ↻ read side folded \(try bank.refreshQueries()) new event(s)")
    default:
        print("  ! unknown command: \(line)")
    }
}

if arguments.contains("--stdin") {
    while let line = readLine() { try perform(line) }
} else {
    print("Bank example (CQRS) — log in \(directory)\n")
    print("1. A deposit is a command. The write side accepts it and appends an event.")
    try perform("deposit BradA 100")
    print("\n2. The read side (a balances view) hasn't folded that event yet:")
    try perform("balance BradA")
    print("\n3. The write side always decides on fresh state, so this withdrawal is judged correctly:")
    try perform("withdraw BradA 80")
    try perform("withdraw BradA 50")
    print("\n4. The projector catches the read side up; now queries agree:")
    try perform("refresh")
    try perform("balance BradA")
    print("\n5. Lineage — which events made BradA's balance what it is:")
    for entry in try bank.queries.lineage(of: "BradA") {
        print("   p\(entry.event.partition)@\(entry.event.offset)  \(entry.before.map { $0.values[0].description } ?? "-") → \(entry.after?.values[0].description ?? "-")   \(entry.value)")
    }
    print("\nTry: rewind --dir \(directory) lineage balances payments BradA")
}
