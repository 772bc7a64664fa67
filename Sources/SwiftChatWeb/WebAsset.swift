/// One file of the web client, as it is served: its bytes, its media type and an entity tag
/// that changes whenever its bytes do (so a browser revalidates instead of running stale code
/// after an upgrade).
public struct WebAsset: Sendable {
    public let name: String
    public let bytes: [UInt8]
    public let contentType: String
    public let entityTag: String

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        contentType = Self.mediaType(of: name)
        entityTag = "\"" + String(Self.fingerprint(bytes), radix: 16) + "\""
    }

    static func mediaType(of name: String) -> String {
        switch name.split(separator: ".").last ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json", "webmanifest": "application/json"
        default: "application/octet-stream"
        }
    }

    /// FNV-1a over the bytes: a cache validator, not a security check.
    static func fingerprint(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
