import Crypto
import Foundation

/// AWS Signature Version 4 for S3, as the public AWS documentation describes it: the signing
/// key, the canonical request, the string to sign, and the three places a signature goes (the
/// `Authorization` header, a presigned URL's query, a POST policy). Nothing here reads the
/// clock: every date is a parameter, so that the published examples are fixed test vectors.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash of a presigned URL: its body is not known when it is signed.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadHash = hexSHA256(Data())

    public let accessKeyID: String
    public let secretAccessKey: String
    public let region: String
    public let service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    // MARK: Keys and strings

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    public static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + secretAccessKey).utf8))
        for part in [dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// `yyyyMMdd/region/service/aws4_request`.
    public func scope(date: Date) -> String {
        "\(Self.dateStamp(date))/\(region)/\(service)/aws4_request"
    }

    /// `accessKeyID/scope`, the value of `Credential=` and `X-Amz-Credential`.
    public func credential(date: Date) -> String {
        "\(accessKeyID)/\(scope(date: date))"
    }

    /// The canonical request. `path` is the object's path before encoding (each segment is
    /// encoded here, `/` kept, as S3 wants: no second encoding, no dot-segment removal);
    /// `query` holds raw names and values; `headers` are exactly the signed ones.
    public static func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> String {
        let canonical = canonicalHeaders(headers)
        return [
            method.uppercased(),
            encodePath(path),
            canonicalQuery(query),
            canonical.map { "\($0.0):\($0.1)\n" }.joined(),
            canonical.map(\.0).joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        [Self.algorithm, Self.timestamp(date), scope(date: date), Self.hexSHA256(Data(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// The hex HMAC of `stringToSign` under the day's signing key.
    public func signature(stringToSign: String, date: Date) -> String {
        let key = Self.signingKey(secretAccessKey: secretAccessKey, dateStamp: Self.dateStamp(date), region: region, service: service)
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    // MARK: The three ways to sign

    /// The headers to add to a request sent with the `Authorization` header: `x-amz-date`,
    /// `x-amz-content-sha256` and `Authorization`. The signature covers `host`, these two and
    /// every header in `headers` (which the caller sends as given).
    public func authorizationHeaders(
        method: String, host: String, path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        payloadHash: String, date: Date
    ) -> [(String, String)] {
        let amzDate = Self.timestamp(date)
        let signed = [("host", host), ("x-amz-content-sha256", payloadHash), ("x-amz-date", amzDate)] + headers
        let request = Self.canonicalRequest(method: method, path: path, query: query, headers: signed, payloadHash: payloadHash)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: request, date: date), date: date)
        let names = Self.canonicalHeaders(signed).map(\.0).joined(separator: ";")
        let authorization = "\(Self.algorithm) Credential=\(credential(date: date)), SignedHeaders=\(names), Signature=\(signature)"
        return [("x-amz-date", amzDate), ("x-amz-content-sha256", payloadHash), ("Authorization", authorization)]
    }

    /// The encoded query string of a presigned URL: `query` plus the `X-Amz-*` parameters,
    /// sorted, with `X-Amz-Signature` last. Only `host` is signed, so that any client can use it.
    public func presignedQuery(
        method: String, host: String, path: String, query: [(String, String)] = [], expires: Int, date: Date
    ) -> String {
        let parameters = query + [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", credential(date: date)),
            ("X-Amz-Date", Self.timestamp(date)),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        let request = Self.canonicalRequest(
            method: method, path: path, query: parameters, headers: [("host", host)], payloadHash: Self.unsignedPayload)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: request, date: date), date: date)
        return Self.canonicalQuery(parameters) + "&X-Amz-Signature=" + signature
    }

    /// The `x-amz-signature` of a browser POST: the base64 policy itself is the string to sign.
    public func postPolicySignature(base64Policy: String, date: Date) -> String {
        signature(stringToSign: base64Policy, date: date)
    }

    // MARK: Encoding

    /// RFC 3986 encoding as S3 specifies it: unreserved characters (`A-Z a-z 0-9 - . _ ~`)
    /// stay, every other UTF-8 byte becomes `%XX` in upper case; `/` stays only when asked.
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                encoded.append("/")
            default:
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    /// The path as it is both signed and sent: each segment encoded, `/` kept.
    public static func encodePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : "/" + path
        return uriEncode(absolute, keepSlash: true)
    }

    /// Names and values encoded, sorted by name then value, joined with `&`; a parameter
    /// without a value (`?uploads`) keeps its `=`.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        // Encoded first, so that the order is that of the encoded bytes (all ASCII).
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Lower-case names sorted, values trimmed with inner runs of spaces collapsed.
    static func canonicalHeaders(_ headers: [(String, String)]) -> [(String, String)] {
        headers.map { name, value in
            let words = value.split(separator: " ", omittingEmptySubsequences: true)
            return (name.lowercased(), words.joined(separator: " ").trimmingCharacters(in: .whitespaces))
        }
        .sorted { $0.0 < $1.0 }
    }

    // MARK: Dates and digests

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC, the `x-amz-date` form.
    public static func timestamp(_ date: Date) -> String {
        let parts = utcComponents(date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// `yyyyMMdd` in UTC, the date of the scope.
    public static func dateStamp(_ date: Date) -> String {
        String(timestamp(date).prefix(8))
    }

    /// `yyyy-MM-dd'T'HH:mm:ss.000Z`, the expiration form of a POST policy.
    public static func policyExpiration(_ date: Date) -> String {
        let parts = utcComponents(date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.000Z", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    public static func hexSHA256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func utcComponents(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Whole seconds: a fraction would otherwise round up into the next second's fields.
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
    }
}
