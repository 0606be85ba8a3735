import Glibc

/// A one-line progress bar on standard error — bytes read, events/s and, when the input's size is
/// known, percent and ETA — redrawn at most every 100 ms; silent when stderr is not a terminal, so
/// scripts and logs get only the final summary.
final class ProgressBar {
    private let totalBytes: Int64?
    private let enabled: Bool
    private let started = monotonicSeconds()
    private var lastDrawn = 0.0
    private var drew = false

    init(totalBytes: Int64?, enabled: Bool) {
        self.totalBytes = totalBytes
        self.enabled = enabled
    }

    func update(bytes: Int64, events: Int) {
        guard enabled else { return }
        let now = monotonicSeconds()
        guard now - lastDrawn >= 0.1 else { return }
        lastDrawn = now
        drew = true
        let line = Self.line(bytes: bytes, totalBytes: totalBytes, events: events, seconds: now - started, width: 30)
        Self.writeError("\r" + line + "\u{1B}[K")
    }

    func finish() {
        guard enabled, drew else { return }
        Self.writeError("\r\u{1B}[K")
    }

    private static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// `[██████░░░░] 61%  412 MB / 680 MB  1.2M events/s  ETA 3s` (without a total: no bar, %, ETA).
    static func line(bytes: Int64, totalBytes: Int64?, events: Int, seconds: Double, width: Int) -> String {
        let rate = seconds > 0 ? Double(events) / seconds : 0
        var text = ""
        if let totalBytes, totalBytes > 0 {
            let fraction = min(1, Double(bytes) / Double(totalBytes))
            let filled = Int(fraction * Double(width))
            text += "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] "
            text += "\(Int(fraction * 100))%  \(size(bytes)) / \(size(totalBytes))"
            if fraction > 0, seconds > 0.5 { text += "  ETA \(Int((seconds / fraction - seconds).rounded()))s" }
        } else {
            text += "\(size(bytes)) read"
        }
        return text + "  \(compact(rate)) events/s  \(events) events"
    }

    private static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 30 ? "\(bytes / (1 << 20) / 1024).\(bytes / (1 << 20) % 1024 * 10 / 1024) GB"
            : bytes >= 1 << 20 ? "\(bytes >> 20) MB" : "\(bytes >> 10) KB"
    }

    private static func compact(_ value: Double) -> String {
        value >= 1e6 ? "\(Int(value / 1e5) / 10).\(Int(value / 1e5) % 10)M" : value >= 1e3 ? "\(Int(value / 1e3))k" : "\(Int(value))"
    }
}
