/// How a cell looks. Colors are roles, not terminal numbers: the painter maps them (or drops them
/// for monochrome terminals and NO_COLOR).
public struct Style: Hashable, Sendable {
    public enum Color: Int, Hashable, Sendable, CaseIterable {
        case normal, accent, muted, good, warning, bad, highlight, title
    }

    public var color: Color
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(_ color: Color = .normal, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.color = color
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()
    public static let title = Style(.title, bold: true, reverse: true)
    public static let selected = Style(.accent, reverse: true)
    public static let muted = Style(.muted)
    public static let heading = Style(.accent, bold: true)
}

/// One terminal cell. A wide character occupies its cell and marks the next as `continuation`.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var style: Style
    public var continuation: Bool

    public init(_ character: Character = " ", style: Style = .plain, continuation: Bool = false) {
        self.character = character
        self.style = style
        self.continuation = continuation
    }
}

/// The frame the renderer produces: a grid of cells, total at any size (0×0 included). Writes past
/// the edges are clipped, never an error.
public struct Screen: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(column: Int, row: Int) -> Cell {
        cells[row * width + column]
    }

    /// Writes `text` from (column, row), clipped to `limit` columns (default: to the right edge).
    /// Control characters show as '·'; a wide character that doesn't fit shows as a space.
    /// Returns the column after the last one written.
    @discardableResult
    public mutating func put(_ text: String, column: Int, row: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard row >= 0, row < height else { return column }
        let end = min(width, limit.map { column + max(0, $0) } ?? width)
        var x = column
        for character in text {
            guard x < end else { break }
            var shown = character
            var cellWidth = DisplayWidth.of(character)
            if let scalar = character.unicodeScalars.first, scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                shown = "·"
                cellWidth = 1
            }
            if cellWidth == 0 { continue } // combining marks were folded into the previous grapheme
            if cellWidth == 2 && x + 1 >= end {
                if x >= 0 { set(x, row, Cell(" ", style: style)) }
                x += 1
                break
            }
            if x >= 0 {
                set(x, row, Cell(shown, style: style))
                if cellWidth == 2 { set(x + 1, row, Cell(" ", style: style, continuation: true)) }
            }
            x += cellWidth
        }
        return x
    }

    /// Fills a rectangle with spaces in `style`.
    public mutating func fill(column: Int, row: Int, width fillWidth: Int, height fillHeight: Int, style: Style = .plain) {
        for y in max(0, row)..<min(height, row + fillHeight) {
            for x in max(0, column)..<min(width, column + fillWidth) { set(x, y, Cell(" ", style: style)) }
        }
    }

    /// Writes one cell and repairs a wide character it cuts in half: the orphaned half becomes a
    /// plain space, so every row always spans exactly `width` columns.
    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        let index = y * width + x
        let old = cells[index]
        if old.continuation && !cell.continuation && x > 0 {
            cells[index - 1] = Cell(" ", style: cells[index - 1].style)
        }
        if !old.continuation && x + 1 < width && cells[index + 1].continuation && !cell.continuation {
            cells[index + 1] = Cell(" ", style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    /// Restyles a run of cells, keeping their characters (selection bars, highlights).
    public mutating func restyle(column: Int, row: Int, width runWidth: Int, style: Style) {
        guard row >= 0, row < height else { return }
        for x in max(0, column)..<min(width, column + runWidth) { cells[row * width + x].style = style }
    }

    /// The characters as text, one line per row, trailing spaces kept: golden files compare this.
    public var text: String {
        var lines: [String] = []
        for y in 0..<height {
            var line = ""
            for x in 0..<width where !cells[y * width + x].continuation { line.append(cells[y * width + x].character) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// One role letter per cell, one line per row: what golden files compare beside the text, so
    /// a lost selection bar or highlight fails a test. `s` selection (reverse video), `c` a changed
    /// or highlighted cell, `w` warning or error, `h` heading or title, `.` anything else.
    public var roles: String {
        var lines: [String] = []
        for y in 0..<height {
            var line = ""
            for x in 0..<width where !cells[y * width + x].continuation { line.append(Self.role(cells[y * width + x].style)) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func role(_ style: Style) -> Character {
        if style.reverse { return "s" }
        switch style.color {
        case .highlight: return "c"
        case .warning, .bad: return "w"
        case .title: return "h"
        case .accent: return style.bold ? "h" : "."
        case .normal, .muted, .good: return "."
        }
    }

    /// Cells that differ from `previous` (all of them if the size changed): what the painter draws.
    public func changes(since previous: Screen?) -> [(column: Int, row: Int, cell: Cell)] {
        var result: [(Int, Int, Cell)] = []
        let sameSize = previous.map { $0.width == width && $0.height == height } ?? false
        for y in 0..<height {
            for x in 0..<width {
                let cell = cells[y * width + x]
                if !sameSize || previous!.cells[y * width + x] != cell { result.append((x, y, cell)) }
            }
        }
        return result
    }
}
