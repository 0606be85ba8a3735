// The engine's public types (Offset, Timestamp, TopicPartition, EventLogError, SystemFile…) live in
// Basics; every module that imports the engine sees them as before.
@_exported import Basics
