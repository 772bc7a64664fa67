import Crypto
import Foundation

/// Download links for attachments: `/api/v2/attachments/{id}/content/` (or `/thumbnail/`) with
/// the viewer, an expiry and an HMAC over all of them, so that a link works without a token (an
/// `<img src>` cannot send one) but only for the viewer it was made for, only until it expires,
/// and only while that viewer may still see the attachment (the route checks membership again).
///
/// Expiries are rounded up to a step of a quarter of the lifetime, so the links of one viewer stay
/// the same for a while and the browser's cache keeps working across page loads.
public struct AttachmentLinkSigner: Sendable {
    public enum Variant: String, Sendable, CaseIterable {
        case content, thumbnail
    }

    private let key: SymmetricKey
    public let lifetime: TimeInterval

    /// `secret` is the server's secret key; the link key is derived from it, so a link is never a
    /// token's signature.
    public init(secret: String, lifetime: TimeInterval) {
        key = SymmetricKey.derived(from: secret, for: "swiftchat attachment links")
        self.lifetime = max(60, lifetime)
    }

    public func expiry(now: Date) -> Int64 {
        let step = max(1, Int64(lifetime / 4))
        let end = Int64(now.timeIntervalSince1970 + lifetime)
        return (end + step - 1) / step * step
    }

    public func link(to id: AttachmentID, _ variant: Variant, viewer: UserID, now: Date) -> String {
        let expires = expiry(now: now)
        let signature = Hex.string(sign(id, variant, viewer: viewer, expires: expires))
        return "/api/v2/attachments/\(id)/\(variant.rawValue)/?viewer=\(viewer)&expires=\(expires)&signature=\(signature)"
    }

    public enum Verdict: Sendable, Equatable {
        case valid
        case expired
        case forged
    }

    public func verify(_ id: AttachmentID, _ variant: Variant, viewer: UserID, expires: Int64, signature: String, now: Date) -> Verdict {
        guard signature.utf8.count == 64, let given = Hex.bytes(signature),
            HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Self.message(id, variant, viewer, expires), using: key)
        else { return .forged }
        return Double(expires) >= now.timeIntervalSince1970 ? .valid : .expired
    }

    /// The attachment as a message shows it to `viewer`: its facts and its links.
    public func representation(of attachment: Attachment, viewer: UserID, now: Date) -> JSONValue {
        Self.withLinks(V2Representation.attachment(attachment), isImage: attachment.mimeType.hasPrefix("image/"), id: attachment.id) {
            link(to: attachment.id, $0, viewer: viewer, now: now)
        }
    }

    /// An event's stored data with the links of `viewer` added to the attachments of its message.
    /// Events are stored once for all their recipients, without links; most carry none and are
    /// passed on untouched.
    public func addingLinks(toEventData data: String, viewer: UserID, now: Date) -> String {
        guard Self.mentionsAttachments(data),
            case .object(var pairs)? = try? JSONValueReader.value(in: Array(data.utf8)),
            let messageIndex = pairs.firstIndex(where: { $0.0 == "message" }),
            case .object(var message) = pairs[messageIndex].1,
            let listIndex = message.firstIndex(where: { $0.0 == "attachments" }),
            case .array(let list) = message[listIndex].1
        else { return data }
        message[listIndex].1 = .array(list.map { item in
            guard case .int(let raw)? = item["id"] else { return item }
            let isImage = item["type"].map { if case .string(let type) = $0 { type.hasPrefix("image/") } else { false } } ?? false
            return Self.withLinks(item, isImage: isImage, id: AttachmentID(rawValue: raw)) { link(to: AttachmentID(rawValue: raw), $0, viewer: viewer, now: now) }
        })
        pairs[messageIndex].1 = .object(message)
        return JSONValue.object(pairs).serialized
    }

    private static let attachmentsMarker = Array("\"attachments\":[{".utf8)

    /// Whether the stored event names any attachment, by a byte search: this runs for every event
    /// a socket is sent, and Foundation's `String.contains` was a visible share of delivery.
    public static func mentionsAttachments(_ data: String) -> Bool {
        var data = data
        return data.withUTF8 { text in
            let marker = attachmentsMarker
            guard text.count >= marker.count else { return false }
            // The marker is short and fixed, so this stays linear in the event's length.
            for start in 0...(text.count - marker.count) where text[start] == marker[0] {
                if marker.indices.allSatisfy({ text[start + $0] == marker[$0] }) { return true }
            }
            return false
        }
    }

    private static func withLinks(_ value: JSONValue, isImage: Bool, id: AttachmentID, link: (Variant) -> String) -> JSONValue {
        guard case .object(var pairs) = value else { return value }
        pairs.append(("url", .string(link(.content))))
        pairs.append(("thumbnail_url", isImage ? .string(link(.thumbnail)) : .null))
        return .object(pairs)
    }

    private func sign(_ id: AttachmentID, _ variant: Variant, viewer: UserID, expires: Int64) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: Self.message(id, variant, viewer, expires), using: key)
    }

    private static func message(_ id: AttachmentID, _ variant: Variant, _ viewer: UserID, _ expires: Int64) -> Data {
        Data("\(id)|\(variant.rawValue)|\(viewer)|\(expires)".utf8)
    }
}
