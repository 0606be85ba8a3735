/// One request as it arrives: the header (its version follows from the API's flexible versions)
/// and a reader positioned at the body.
///
/// Frame: int32 size, then the header, then the body. Header v1 = api key int16, api version int16,
/// correlation id int32, client id nullable string; v2 (flexible requests) adds a tagged-field
/// section. The client id stays a classic string even in v2. The first 8 bytes are the same in every
/// header version, so an API or version this side does not know can still be answered by correlation id.
public struct RequestFrame {
    public var header: RequestHeader
    public var headerVersion: Int16
    public var body: KafkaReader

    public var apiKey: Int16 { header.requestApiKey }
    public var apiVersion: Int16 { header.requestApiVersion }
    public var correlationId: Int32 { header.correlationId }

    /// Parses the header of `bytes` (one frame without its size prefix). For an API this library
    /// has no schema of, or a version outside the schema's range, only the fixed 8 bytes are read.
    public static func parse(_ bytes: [UInt8]) throws -> RequestFrame {
        var reader = KafkaReader(bytes)
        var header = RequestHeader()
        header.requestApiKey = try reader.readInt16("RequestApiKey")
        header.requestApiVersion = try reader.readInt16("RequestApiVersion")
        header.correlationId = try reader.readInt32("CorrelationId")
        guard let type = KafkaSchemas.requests[header.requestApiKey], type.validVersions.contains(header.requestApiVersion) else {
            return RequestFrame(header: header, headerVersion: 0, body: reader)
        }
        let headerVersion: Int16 = type.isFlexible(header.requestApiVersion) ? 2 : 1
        header.clientId = try reader.readNullableString(compact: false, "ClientId")
        if headerVersion >= 2 { try reader.readTaggedFields { _, _ in } }
        return RequestFrame(header: header, headerVersion: headerVersion, body: reader)
    }

    /// The response header version for a response to this request: v1 (with tags) for flexible
    /// versions, except ApiVersions, whose response header is always v0 so that a client that does
    /// not yet know the broker's versions can read it.
    public static func responseHeaderVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        guard apiKey != ApiVersionsRequest.apiKey, let type = KafkaSchemas.responses[apiKey] else { return 0 }
        return type.isFlexible(apiVersion) ? 1 : 0
    }
}
