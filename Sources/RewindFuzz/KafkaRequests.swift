import KafkaProtocol

/// A Kafka request frame as a broker reads it (without the size prefix): the header, then the body
/// for the API and version the header names; then the same bytes as the body of every request type
/// at every version its schema lists. Each decode must throw or succeed — no trap, no hang, and
/// no allocation beyond what the bytes themselves justify (counts are bounded by bytes remaining).
func fuzzKafkaRequest(_ input: UnsafeRawBufferPointer) {
    let bytes = Array(input)
    if var frame = try? RequestFrame.parse(bytes), let type = KafkaSchemas.requests[frame.apiKey], type.validVersions.contains(frame.apiVersion) {
        if let message = try? type.init(from: &frame.body, version: frame.apiVersion) {
            // What decodes must encode again to bytes that decode to the same message.
            reencode(message, version: frame.apiVersion)
        }
    }
    for type in KafkaSchemas.requests.values {
        for version in type.validVersions {
            _ = try? type.decode(bytes, version: version)
        }
    }
}

private func reencode<M: KafkaMessage>(_ message: M, version: Int16) {
    let again = try? M.decode(message.encoded(version: version), version: version)
    precondition(again == message, "\(M.self) v\(version) does not survive encode → decode")
}
