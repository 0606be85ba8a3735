// The one-line view language for captured logs, so a view needs no Swift:
//
//   spec       := aggregates [ "by" group ] [ "where" condition ] [ "negate" "when" condition ]
//               | "latest" "(" "*" ")" "by" "key"                     (the `table` view: latest value per key)
//   aggregates := aggregate { "," aggregate }                         (at most 16; one column each)
//   aggregate  := "count" [ "(" [ field ] ")" ] | function "(" field ")"
//   function   := sum | avg | min | max | latest | distinct          (distinct = count of distinct values)
//   group      := "key" | field                                       (key = the event's Kafka key)
//   condition  := and-term { "or" and-term }
//   and-term   := factor { "and" factor }
//   factor     := "not" factor | "(" condition ")" | field "exists" | field op literal
//   op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "~"          (~ : contains, ignoring case)
//   field      := name { "." name } | "$key" | "$partition" | "$offset" | "$timestamp" | "$header." name
//   literal    := "text" | 'text' | number | true | false | null
//
// Keywords are case-insensitive. "negate when" flips the sign of sum/avg inputs for matching
// events: `sum(amount) by account negate when type = "withdrawal"` is the balances view.
// `sum(amount), count, max(amount) by account where type = "deposit"` folds three columns at once.

/// A parsed view spec.
public struct ViewSpec: Hashable, Sendable {
    public enum Function: String, Hashable, Sendable, CaseIterable {
        case count, sum, avg, min, max, latest, distinct
    }

    public enum Field: Hashable, Sendable, CustomStringConvertible {
        case json([String])
        case key
        case partition
        case offset
        case timestamp
        case header(String)

        public var description: String {
            switch self {
            case let .json(path): return path.joined(separator: ".")
            case .key: return "key"
            case .partition: return "$partition"
            case .offset: return "$offset"
            case .timestamp: return "$timestamp"
            case let .header(name): return "$header.\(name)"
            }
        }
    }

    public enum Literal: Hashable, Sendable {
        case text(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    public enum Comparison: String, Hashable, Sendable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", contains = "~"
    }

    public indirect enum Condition: Hashable, Sendable {
        case compare(Field, Comparison, Literal)
        case exists(Field)
        case not(Condition)
        case and(Condition, Condition)
        case or(Condition, Condition)
    }

    /// One column of the view: a function of a field.
    public struct Aggregate: Hashable, Sendable, CustomStringConvertible {
        public var function: Function
        public var field: Field?
        public var description: String { field.map { "\(function.rawValue)(\($0))" } ?? function.rawValue }
    }

    public var aggregates: [Aggregate]
    /// `latest(*) by key`: the spec form of the `table` view.
    public var isTable = false
    public var group: Field?
    public var filter: Condition?
    public var negateWhen: Condition?
    /// The text it was parsed from: names snapshots, so a changed spec never reuses old ones.
    public var source: String

    /// The first aggregate's function and field (a one-aggregate spec's only column).
    public var function: Function { aggregates[0].function }
    public var field: Field? { aggregates[0].field }

    public static func parse(_ text: String) throws -> ViewSpec {
        var parser = ViewSpecParser(text)
        return try parser.parseSpec()
    }
}

/// A spec error with the 1-based column where it was noticed.
public struct ViewSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var column: Int
    public var spec: String

    public var description: String { "view spec, column \(column): \(message) in `\(spec)`" }
}
