import Foundation

/// Where attachments are kept and what uploads may be.
public struct MediaSettings: Sendable {
    public struct S3: Sendable {
        public var endpoint: URL
        public var bucket: String
        public var region: String
        public var accessKeyID: String
        public var secretAccessKey: String
        public var pathStyle: Bool

        /// Where a browser fetches from the bucket: the scheme, host and port of its URLs.
        public var origin: String {
            let host = pathStyle ? endpoint.host ?? "" : "\(bucket).\(endpoint.host ?? "")"
            return "\(endpoint.scheme ?? "https")://\(host)" + (endpoint.port.map { ":\($0)" } ?? "")
        }
    }

    /// Local disk (nil) unless a bucket is named.
    public var s3: S3?
    /// The folder of the local disk storage.
    public var directory: String
    public var maxUploadSize: Int64
    public var quotaPerUser: Int64
    public var allowedTypes: Set<String>
    public var maxImagePixels: Int
    /// Uploads no message took are deleted after this long.
    public var unattachedLifetime: TimeInterval
    public var linkLifetime: TimeInterval
    /// The `vipsthumbnail` to run; empty: no thumbnails.
    public var thumbnailProgram: String
    public var sweepInterval: TimeInterval

    static let defaultTypes = [
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/avif",
        "video/mp4", "video/webm", "video/quicktime", "video/ogg",
        "audio/mpeg", "audio/ogg", "audio/wav", "audio/flac", "audio/mp4", "audio/webm",
        "application/pdf", "text/plain", "application/rtf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    ].joined(separator: ",")

    /// These are never served from the API's origin, whatever the list says: a browser would run them.
    static let neverAllowed: Set<String> = ["text/html", "image/svg+xml", "application/xml", "application/xhtml+xml"]

    init(_ s: SettingSources, databasePath: String) throws {
        let folder = (databasePath as NSString).deletingLastPathComponent
        directory = s.value("SWIFTCHAT_MEDIA_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? ((folder.isEmpty ? "." : folder) + "/media")
        maxUploadSize = Int64(try s.integer("SWIFTCHAT_UPLOAD_MAX_SIZE", in: 1...(1 << 40)))
        quotaPerUser = Int64(try s.integer("SWIFTCHAT_UPLOAD_QUOTA", in: 1...(1 << 50)))
        allowedTypes = Set(s.list("SWIFTCHAT_UPLOAD_TYPES", separator: ",").map { $0.lowercased() })
        if let bad = allowedTypes.first(where: Self.neverAllowed.contains) {
            throw ConfigurationError("SWIFTCHAT_UPLOAD_TYPES", "\(bad) cannot be allowed: browsers would run it from the server's origin")
        }
        maxImagePixels = try s.integer("SWIFTCHAT_UPLOAD_MAX_IMAGE_PIXELS", in: 1...1_000_000_000)
        unattachedLifetime = try s.duration("SWIFTCHAT_UNATTACHED_UPLOAD_LIFETIME", positive: true)
        linkLifetime = try s.duration("SWIFTCHAT_ATTACHMENT_LINK_LIFETIME", positive: true)
        thumbnailProgram = s.value("SWIFTCHAT_THUMBNAIL_PROGRAM") ?? "vipsthumbnail"
        sweepInterval = try s.duration("SWIFTCHAT_MEDIA_SWEEP_INTERVAL", positive: true)
        if let bucket = s.value("SWIFTCHAT_S3_BUCKET"), !bucket.isEmpty {
            let endpointText = s.value("SWIFTCHAT_S3_ENDPOINT").flatMap { $0.isEmpty ? nil : $0 }
                ?? "https://s3.\(s.value("SWIFTCHAT_S3_REGION") ?? "us-east-1").amazonaws.com"
            guard let endpoint = URL(string: endpointText), ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host != nil else {
                throw ConfigurationError("SWIFTCHAT_S3_ENDPOINT", "\(endpointText) is not an http(s) URL")
            }
            guard let key = s.value("SWIFTCHAT_S3_ACCESS_KEY_ID"), !key.isEmpty,
                let secret = s.value("SWIFTCHAT_S3_SECRET_ACCESS_KEY"), !secret.isEmpty
            else { throw ConfigurationError("SWIFTCHAT_S3_ACCESS_KEY_ID", "and SWIFTCHAT_S3_SECRET_ACCESS_KEY are needed with SWIFTCHAT_S3_BUCKET") }
            s3 = S3(endpoint: endpoint, bucket: bucket, region: s.value("SWIFTCHAT_S3_REGION") ?? "us-east-1", accessKeyID: key,
                secretAccessKey: secret, pathStyle: try s.bool("SWIFTCHAT_S3_PATH_STYLE"))
        }
    }
}
