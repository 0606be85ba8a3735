/// Recursive-descent parser for `ViewSpec` (grammar at the top of ViewSpec.swift).
struct ViewSpecParser {
    private enum Token: Equatable {
        case word(String)       // names and keywords
        case field(String)      // $key, $header.x …
        case text(String)
        case number(Double)
        case symbol(String)     // ( ) . = != < <= > >= ~ , *
        case end
    }

    private let source: String
    private var tokens: [(token: Token, column: Int)] = []
    private var index = 0

    init(_ source: String) { self.source = source }

    mutating func parseSpec() throws -> ViewSpec {
        tokens = try tokenize()
        if let table = try parseTable() { return table }
        var aggregates = [try parseAggregate()]
        while acceptSymbol(",") {
            guard aggregates.count < ProjectionLimits.specAggregatesMax else { throw error("more than \(ProjectionLimits.specAggregatesMax) aggregates") }
            aggregates.append(try parseAggregate())
        }
        var spec = ViewSpec(aggregates: aggregates, group: nil, filter: nil, negateWhen: nil, source: source)
        if acceptKeyword("by") {
            spec.group = acceptKeyword("key") ? .key : try parseField(expected: "a field or `key` after `by`")
        }
        if acceptKeyword("where") { spec.filter = try parseCondition() }
        if acceptKeyword("negate") {
            try expectKeyword("when", "`when` after `negate`")
            guard aggregates.contains(where: { $0.function == .sum || $0.function == .avg }) else {
                throw error("`negate when` applies to sum and avg only", at: index - 2)
            }
            spec.negateWhen = try parseCondition()
        }
        guard case .end = current else { throw error("unexpected \(describe(current)); expected `,`, `by`, `where`, `negate when` or the end") }
        return spec
    }

    /// `latest(*) by key`, or nil (and nothing consumed) when the spec starts otherwise.
    private mutating func parseTable() throws -> ViewSpec? {
        guard tokens.count > 3, case let .word(name) = tokens[0].token, name.lowercased() == "latest",
              tokens[1].token == .symbol("("), tokens[2].token == .symbol("*") else { return nil }
        index = 3
        try expectSymbol(")", "`)` after `latest(*`")
        guard acceptKeyword("by"), acceptKeyword("key") else {
            throw error("`latest(*)` is the table view: write `latest(*) by key`")
        }
        guard case .end = current else {
            throw error("unexpected \(describe(current)) after `latest(*) by key` (the table view takes no `where` yet: filter rows with --rows)")
        }
        return ViewSpec(aggregates: [ViewSpec.Aggregate(function: .latest, field: nil)], isTable: true, group: .key, filter: nil, negateWhen: nil, source: source)
    }

    private mutating func parseAggregate() throws -> ViewSpec.Aggregate {
        guard case let .word(name) = current else { throw error("expected an aggregate: \(ViewSpec.Function.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard let function = ViewSpec.Function(rawValue: name.lowercased()) else {
            throw error("unknown aggregate `\(name)`; use \(ViewSpec.Function.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        index += 1
        if function == .count {
            if acceptSymbol("(") {
                let field: ViewSpec.Field? = acceptSymbol(")") ? nil : try parseField(expected: "a field or `)`")
                if field != nil { try expectSymbol(")", "`)` after the field") }
                return ViewSpec.Aggregate(function: .count, field: field)
            }
            return ViewSpec.Aggregate(function: .count, field: nil)
        }
        try expectSymbol("(", "`(` after `\(name)`")
        if case .symbol("*") = current { throw error("`\(name)(*)`: only `latest(*) by key` takes `*`; name a field") }
        let field = try parseField(expected: "a field inside \(name)(…)")
        try expectSymbol(")", "`)` after `\(field)`")
        return ViewSpec.Aggregate(function: function, field: field)
    }

    private mutating func parseCondition() throws -> ViewSpec.Condition {
        var left = try parseAnd()
        while acceptKeyword("or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws -> ViewSpec.Condition {
        var left = try parseFactor()
        while acceptKeyword("and") { left = .and(left, try parseFactor()) }
        return left
    }

    private mutating func parseFactor() throws -> ViewSpec.Condition {
        if acceptKeyword("not") { return .not(try parseFactor()) }
        if acceptSymbol("(") {
            let inner = try parseCondition()
            try expectSymbol(")", "`)` to close `(`")
            return inner
        }
        let field = try parseField(expected: "a field in the condition")
        if acceptKeyword("exists") { return .exists(field) }
        guard case let .symbol(symbol) = current, let comparison = ViewSpec.Comparison(rawValue: symbol) else {
            throw error("expected a comparison (= != < <= > >= ~) or `exists` after `\(field)`")
        }
        index += 1
        return .compare(field, comparison, try parseLiteral())
    }

    private mutating func parseLiteral() throws -> ViewSpec.Literal {
        let token = current
        index += 1
        switch token {
        case let .text(text): return .text(text)
        case let .number(number): return .number(number)
        case let .word(word):
            switch word.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                index -= 1
                throw error("expected a value (\"text\", a number, true, false or null), found `\(word)` — quote text values")
            }
        default:
            index -= 1
            throw error("expected a value (\"text\", a number, true, false or null), found \(describe(token))")
        }
    }

    private mutating func parseField(expected: String) throws -> ViewSpec.Field {
        switch current {
        case let .field(name):
            index += 1
            switch name {
            case "$key": return .key
            case "$partition": return .partition
            case "$offset": return .offset
            case "$timestamp": return .timestamp
            default:
                if name.hasPrefix("$header."), name.count > 8 { return .header(String(name.dropFirst(8))) }
                index -= 1
                throw error("unknown event field `\(name)`; use $key, $partition, $offset, $timestamp or $header.NAME")
            }
        case let .word(name), let .text(name):
            if case .word = current, Self.keywords.contains(name.lowercased()) { throw error("expected \(expected), found keyword `\(name)`") }
            index += 1
            var path = [name]
            while acceptSymbol(".") {
                guard case let .word(part) = current else { throw error("expected a name after `.`") }
                path.append(part)
                index += 1
            }
            return .json(path)
        default:
            throw error("expected \(expected), found \(describe(current))")
        }
    }

    static let keywords: Set<String> = ["by", "where", "and", "or", "not", "negate", "when", "exists"]

    // MARK: Tokens

    private var current: Token { tokens[index].token }

    private mutating func acceptKeyword(_ keyword: String) -> Bool {
        if case let .word(word) = current, word.lowercased() == keyword {
            index += 1
            return true
        }
        return false
    }

    private mutating func expectKeyword(_ keyword: String, _ what: String) throws {
        guard acceptKeyword(keyword) else { throw error("expected \(what), found \(describe(current))") }
    }

    private mutating func acceptSymbol(_ symbol: String) -> Bool {
        if case .symbol(symbol) = current {
            index += 1
            return true
        }
        return false
    }

    private mutating func expectSymbol(_ symbol: String, _ what: String) throws {
        guard acceptSymbol(symbol) else { throw error("expected \(what), found \(describe(current))") }
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case let .word(word): return "`\(word)`"
        case let .field(field): return "`\(field)`"
        case let .text(text): return "\"\(text)\""
        case let .number(number): return "\(number)"
        case let .symbol(symbol): return "`\(symbol)`"
        case .end: return "the end"
        }
    }

    private func error(_ message: String, at position: Int? = nil) -> ViewSpecError {
        ViewSpecError(message: message, column: tokens[min(position ?? index, tokens.count - 1)].column, spec: source)
    }

    private func tokenize() throws -> [(token: Token, column: Int)] {
        let characters = Array(source)
        var result: [(Token, Int)] = []
        var position = 0
        func isNameCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" || character == "-" }
        while position < characters.count {
            let character = characters[position]
            let column = position + 1
            if character.isWhitespace {
                position += 1
            } else if character == "\"" || character == "'" {
                var text = ""
                position += 1
                while position < characters.count && characters[position] != character {
                    if characters[position] == "\\" && position + 1 < characters.count { position += 1 }
                    text.append(characters[position])
                    position += 1
                }
                guard position < characters.count else { throw ViewSpecError(message: "text starting here is never closed with \(character)", column: column, spec: source) }
                position += 1
                result.append((.text(text), column))
            } else if character.isNumber || (character == "-" && position + 1 < characters.count && characters[position + 1].isNumber) {
                var text = String(character)
                position += 1
                while position < characters.count, characters[position].isNumber || ".eE+-".contains(characters[position]) {
                    if "+-".contains(characters[position]) && !"eE".contains(characters[position - 1]) { break }
                    text.append(characters[position])
                    position += 1
                }
                guard let number = Double(text) else { throw ViewSpecError(message: "`\(text)` is not a number", column: column, spec: source) }
                result.append((.number(number), column))
            } else if character == "$" {
                var text = "$"
                position += 1
                while position < characters.count, isNameCharacter(characters[position]) || characters[position] == "." {
                    text.append(characters[position])
                    position += 1
                }
                result.append((.field(text), column))
            } else if character.isLetter || character == "_" {
                var text = ""
                while position < characters.count, isNameCharacter(characters[position]) {
                    text.append(characters[position])
                    position += 1
                }
                result.append((.word(text), column))
            } else if "<>!".contains(character), position + 1 < characters.count, characters[position + 1] == "=" {
                result.append((.symbol(String(character) + "="), column))
                position += 2
            } else if "().=<>~,*".contains(character) {
                result.append((.symbol(String(character)), column))
                position += 1
            } else {
                throw ViewSpecError(message: "unexpected character `\(character)`", column: column, spec: source)
            }
        }
        result.append((.end, characters.count + 1))
        return result
    }
}
