import CNcurses
import Explorer
import Glibc

/// Set by SIGINT/SIGTERM: the loop quits at its next turn and the terminal is restored.
nonisolated(unsafe) public var terminalStopRequested: sig_atomic_t = 0
nonisolated(unsafe) private var cursesActive = false

/// The only code that touches ncurses: paints `Screen` frames (changed cells only), reads keys,
/// reports resizes, and always restores the terminal — on quit, on SIGINT/SIGTERM, on errors and
/// at exit.
public final class CursesTerminal {
    private var previous: Screen?
    private let colors: Bool
    private var pairs: [Style.Color: Int16] = [:]

    public init() {
        setlocale(LC_ALL, "")
        initscr()
        cursesActive = true
        atexit { if cursesActive { endwin(); cursesActive = false } }
        signal(SIGINT) { _ in terminalStopRequested = 1 }
        signal(SIGTERM) { _ in terminalStopRequested = 1 }
        raw() // Ctrl-C arrives as a key (the keymap quits on it), so every quit path restores the terminal
        noecho()
        keypad(rewind_stdscr(), true)
        curs_set(0)
        set_escdelay(25) // Esc should close an overlay at once, not after ncurses' default 1 s
        colors = getenv("NO_COLOR") == nil && has_colors()
        if colors {
            start_color()
            use_default_colors()
            let table: [(Style.Color, Int16)] = [(.normal, -1), (.accent, Int16(COLOR_CYAN)), (.muted, Int16(COLOR_BLUE)),
                                                 (.good, Int16(COLOR_GREEN)), (.warning, Int16(COLOR_YELLOW)),
                                                 (.bad, Int16(COLOR_RED)), (.highlight, Int16(COLOR_MAGENTA)), (.title, Int16(COLOR_CYAN))]
            for (index, entry) in table.enumerated() {
                init_pair(Int16(index + 1), entry.1, -1)
                pairs[entry.0] = Int16(index + 1)
            }
        }
    }

    deinit { restore() }

    public func restore() {
        guard cursesActive else { return }
        endwin()
        cursesActive = false
    }

    public var size: (width: Int, height: Int) { (Int(rewind_cols()), Int(rewind_lines())) }

    /// Draws only the cells that changed since the last frame (all of them after a resize).
    public func paint(_ screen: Screen) {
        for change in screen.changes(since: previous) where !change.cell.continuation {
            var attributes: attr_t = 0
            let style = change.cell.style
            if style.bold { attributes |= rewind_attr_bold() }
            if style.reverse { attributes |= rewind_attr_reverse() }
            if style.underline { attributes |= rewind_attr_underline() }
            if !colors && style.color == .muted { attributes |= rewind_attr_dim() }
            let pair = colors ? (pairs[style.color] ?? 0) : 0
            var scalars = change.cell.character.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) }
            scalars.append(0)
            _ = rewind_put_cell(Int32(change.row), Int32(change.column), scalars, attributes, pair)
        }
        previous = screen
        refresh()
    }

    public enum Input: Equatable {
        case key(Key)
        case resize(width: Int, height: Int)
    }

    /// Waits up to `timeoutMs` for input.
    public func read(timeoutMs: Int) -> Input? {
        timeout(Int32(timeoutMs))
        var character: wint_t = 0
        let result = get_wch(&character)
        if result == KEY_CODE_YES {
            switch Int32(character) {
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_ENTER: return .key(.enter)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_BTAB: return .key(.backTab)
            case KEY_RESIZE:
                previous = nil // repaint everything at the new size
                return .resize(width: Int(rewind_cols()), height: Int(rewind_lines()))
            default: return nil
            }
        }
        guard result == OK, let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
        switch scalar.value {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 9: return .key(.tab)
        case 8, 127: return .key(.backspace)
        case 1...26: return .key(.control(Character(Unicode.Scalar(scalar.value + 96)!)))
        default: return .key(.character(Character(scalar)))
        }
    }
}
