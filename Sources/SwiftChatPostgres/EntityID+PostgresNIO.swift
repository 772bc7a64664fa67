import NIOCore
import PostgresNIO
import SwiftChatCore

/// Ids bind and decode exactly as the `bigint` they are (arrays as `bigint[]`), so that
/// statements interpolate ids as they do any other value.
extension EntityID: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {
    public static var psqlType: PostgresDataType { Int64.psqlType }
    public static var psqlFormat: PostgresFormat { Int64.psqlFormat }
    public static var psqlArrayType: PostgresDataType { Int64.psqlArrayType }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        rawValue.encode(into: &buffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        self.init(rawValue: try Int64(from: &buffer, type: type, format: format, context: context))
    }
}
