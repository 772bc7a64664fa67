import Foundation
import NIOCore

/// What the bench needs from one server frame of the socket's `chat_stream`. Event frames, tens
/// of thousands a second, are read by their fixed prefix (the server writes them in one shape);
/// anything else, rare, goes through a JSON decoder.
enum ChatStreamFrame: Equatable, Sendable {
    case subscribed(latestSeq: Int64)
    /// `clientID` is that of a `message.created` event's message, if it has one.
    case event(seq: Int64, clientID: String?)
    case resyncRequired
    /// A frame relayed outside the log (typing, presence).
    case relayed
    /// Another stream's frame (v1 `notification_stream`), or an error frame.
    case other

    private static let eventPrefix = Array(#"{"stream":"chat_stream","payload":{"type":"event","event":{"seq":"#.utf8)
    private static let typingPrefix = Array(#"{"stream":"chat_stream","payload":{"type":"typing""#.utf8)
    private static let presencePrefix = Array(#"{"stream":"chat_stream","payload":{"type":"presence.changed""#.utf8)
    private static let messageCreated = Array(#","type":"message.created""#.utf8)
    private static let clientIDKey = Array(#""client_id":""#.utf8)

    static func parse(_ buffer: ByteBuffer) -> ChatStreamFrame {
        let quick = buffer.withUnsafeReadableBytes { bytes -> ChatStreamFrame? in
            if bytes.starts(with: typingPrefix) || bytes.starts(with: presencePrefix) { return .relayed }
            guard bytes.starts(with: eventPrefix) else { return nil }
            var cursor = eventPrefix.count
            var seq: Int64 = 0
            var digits = 0
            while cursor < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[cursor]) {
                seq = seq * 10 + Int64(bytes[cursor] - UInt8(ascii: "0"))
                cursor += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[cursor...])
            guard rest.starts(with: messageCreated), let valueStart = rest.firstRange(of: clientIDKey)?.upperBound,
                  let valueEnd = rest[valueStart...].firstIndex(of: UInt8(ascii: "\""))
            else { return .event(seq: seq, clientID: nil) }
            return .event(seq: seq, clientID: String(decoding: rest[valueStart..<valueEnd], as: UTF8.self))
        }
        return quick ?? decode(Data(buffer: buffer))
    }

    private static func decode(_ data: Data) -> ChatStreamFrame {
        guard let frame = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], frame["stream"] as? String == "chat_stream",
              let payload = frame["payload"] as? [String: Any]
        else { return .other }
        switch payload["type"] as? String {
        case "subscribed":
            guard let latest = (payload["latest_seq"] as? NSNumber)?.int64Value else { return .other }
            return .subscribed(latestSeq: latest)
        case "resync_required":
            return .resyncRequired
        case "event":
            guard let event = payload["event"] as? [String: Any], let seq = (event["seq"] as? NSNumber)?.int64Value else { return .other }
            let message = (event["data"] as? [String: Any])?["message"] as? [String: Any]
            return .event(seq: seq, clientID: event["type"] as? String == "message.created" ? message?["client_id"] as? String : nil)
        default:
            return .other
        }
    }
}
