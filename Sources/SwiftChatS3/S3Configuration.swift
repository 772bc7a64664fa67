import Foundation

/// Where the bucket is and how to reach it. `pathStyle` puts the bucket in the path
/// (`endpoint/bucket/key`, what MinIO, moto and most self-hosted servers expect); off, it is
/// part of the host name (`bucket.endpoint/key`, AWS's virtual-hosted style).
public struct S3Configuration: Sendable {
    public static let defaultPartSize = 8 * 1024 * 1024
    /// S3 refuses a multipart part below 5 MiB, except the last one.
    public static let minimumPartSize = 5 * 1024 * 1024

    public let endpoint: URL
    public let bucket: String
    public let region: String
    public let accessKeyID: String
    public let secretAccessKey: String
    public let pathStyle: Bool
    /// The size of each multipart part, and so the most an upload holds in memory.
    public let partSize: Int
    /// The bound of a request without a large body (HEAD, DELETE, the multipart calls).
    public let requestTimeout: TimeInterval
    /// The bound of a request that carries a part or a whole blob, either way.
    public let transferTimeout: TimeInterval

    let scheme: String
    let host: String
    let port: Int?

    public init(
        endpoint: URL, bucket: String, region: String, accessKeyID: String, secretAccessKey: String,
        pathStyle: Bool = true, partSize: Int = S3Configuration.defaultPartSize,
        requestTimeout: TimeInterval = 30, transferTimeout: TimeInterval = 600
    ) throws {
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw S3ConfigurationError("the S3 endpoint must be an http or https URL: \(endpoint)")
        }
        guard let host = endpoint.host, !host.isEmpty else {
            throw S3ConfigurationError("the S3 endpoint has no host: \(endpoint)")
        }
        guard endpoint.path.isEmpty || endpoint.path == "/", endpoint.query == nil else {
            throw S3ConfigurationError("the S3 endpoint must have no path or query: \(endpoint)")
        }
        guard !bucket.isEmpty, !bucket.contains("/") else {
            throw S3ConfigurationError("the S3 bucket name must be set and have no slash")
        }
        guard !region.isEmpty, !accessKeyID.isEmpty, !secretAccessKey.isEmpty else {
            throw S3ConfigurationError("the S3 region, access key id and secret access key must all be set")
        }
        guard partSize >= Self.minimumPartSize else {
            throw S3ConfigurationError("the S3 part size must be at least \(Self.minimumPartSize) bytes, not \(partSize)")
        }
        guard requestTimeout > 0, transferTimeout > 0 else {
            throw S3ConfigurationError("the S3 timeouts must be positive")
        }
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.pathStyle = pathStyle
        self.partSize = partSize
        self.requestTimeout = requestTimeout
        self.transferTimeout = transferTimeout
        self.scheme = scheme
        self.host = host
        // The default port is left out of the Host header, as clients send it.
        let defaultPort = scheme == "https" ? 443 : 80
        self.port = endpoint.port.flatMap { $0 == defaultPort ? nil : $0 }
    }

    /// The `Host` header of every request to the bucket (and so the signed `host`).
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        let authority = pathStyle ? name : "\(bucket).\(name)"
        return port.map { "\(authority):\($0)" } ?? authority
    }

    /// The bucket's own URL, where a browser posts a presigned form.
    public var bucketURL: URL {
        URL(string: "\(scheme)://\(hostHeader)\(SigV4Signer.encodePath(bucketPath))")!
    }

    /// The path of the bucket, before encoding.
    var bucketPath: String {
        pathStyle ? "/\(bucket)" : "/"
    }

    /// The path of an object, before encoding.
    func objectPath(_ key: String) -> String {
        pathStyle ? "/\(bucket)/\(key)" : "/\(key)"
    }

    /// The URL of `path` (not yet encoded) with an already encoded query.
    func url(path: String, encodedQuery: String) -> String {
        "\(scheme)://\(hostHeader)\(SigV4Signer.encodePath(path))" + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)
    }
}
