/// What the connection does after a request: send a framed response, send nothing (Produce with
/// acks=0), or close the connection because the request was not Kafka.
enum BrokerReply {
    /// Header and body, without the size prefix.
    case respond([UInt8])
    case noResponse
    case close(reason: String)
}
