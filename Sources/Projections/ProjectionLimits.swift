/// Maximums of the view layer, in one place (DESIGN habit 2).
public enum ProjectionLimits {
    /// Columns the `table` view makes from the top-level fields of JSON values: wide enough for a
    /// database row (Debezium tables rarely pass 40 columns), bounded so a topic whose values use
    /// data as field names (`{"user-81723": …}`) cannot grow the header without end. Fields past
    /// the limit are still kept in the row (lineage and `--format json` show them).
    public static let tableColumnsMax = 64
    /// Source tables (`source.db`.`source.table`) a CDC topic's `table` view names.
    public static let cdcSourceTablesMax = 16
    /// Aggregates in one view spec (`sum(amount), count, max(amount) by account`).
    public static let specAggregatesMax = 16
}
