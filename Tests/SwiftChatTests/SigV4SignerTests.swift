import Crypto
import Foundation
import Testing
@testable import SwiftChatS3

/// AWS's published Signature Version 4 examples as fixed vectors: the signing-key derivation
/// of the general SigV4 reference, and the S3 API reference's header (GET with Range),
/// presigned URL and browser POST examples. The S3 examples use the secret with `/bPxR`, the
/// general one the secret with `+bPxR`, each as its page prints it.
@Suite("SigV4 signer")
struct SigV4SignerTests {
    static let s3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let iamSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let accessKeyID = "AKIAIOSFODNN7EXAMPLE"
    /// 2013-05-24T00:00:00Z, the date of the S3 header and presigned examples.
    static let may2013 = Date(timeIntervalSince1970: 1_369_353_600)

    static func hex(_ key: SymmetricKey) -> String {
        key.withUnsafeBytes { SigV4Signer.hex($0) }
    }

    @Test("the signing key of the derivation example (20150830, us-east-1, iam)")
    func signingKeyDerivation() {
        let key = SigV4Signer.signingKey(secretAccessKey: Self.iamSecret, dateStamp: "20150830", region: "us-east-1", service: "iam")
        #expect(Self.hex(key) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        // The same page's string to sign, and the signature it gives.
        let signer = SigV4Signer(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.iamSecret, region: "us-east-1", service: "iam")
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
        let stringToSign = """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/iam/aws4_request
            f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59
            """
        #expect(SigV4Signer.timestamp(date) == "20150830T123600Z")
        #expect(signer.signature(stringToSign: stringToSign, date: date) == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test("the S3 GET object example with a Range header, step by step")
    func headerAuthorization() {
        let signer = SigV4Signer(accessKeyID: Self.accessKeyID, secretAccessKey: Self.s3Secret, region: "us-east-1")
        let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        #expect(SigV4Signer.emptyPayloadHash == emptyHash)
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/test.txt", query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", emptyHash), ("x-amz-date", "20130524T000000Z"),
            ],
            payloadHash: emptyHash)
        #expect(canonical == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:\(emptyHash)
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            \(emptyHash)
            """)
        #expect(signer.stringToSign(canonicalRequest: canonical, date: Self.may2013) == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)

        let headers = signer.authorizationHeaders(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", headers: [("Range", "bytes=0-9")],
            payloadHash: emptyHash, date: Self.may2013)
        #expect(headers.map(\.0) == ["x-amz-date", "x-amz-content-sha256", "Authorization"])
        #expect(headers[0].1 == "20130524T000000Z")
        #expect(headers[1].1 == emptyHash)
        #expect(headers[2].1 == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("the S3 presigned URL example (GET test.txt, 86400 seconds)")
    func presignedURL() {
        let signer = SigV4Signer(accessKeyID: Self.accessKeyID, secretAccessKey: Self.s3Secret, region: "us-east-1")
        let query = signer.presignedQuery(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", expires: 86400, date: Self.may2013)
        #expect(query == "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    /// The page's base64 policy is its JSON with CRLF line ends. The signature it prints
    /// beside it (4650…0fc9) is not what its own inputs give; 8afd…699e is, by any HMAC-SHA256
    /// (checked with Python's hmac as well), and is what other signers' test suites use.
    @Test("the S3 browser POST example: the base64 policy is the string to sign")
    func postPolicy() {
        let policy = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
        let decoded = String(decoding: Data(base64Encoded: policy)!, as: UTF8.self)
        #expect(decoded.hasPrefix("{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n"))
        #expect(decoded.contains("{\"x-amz-credential\": \"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"}"))
        let signer = SigV4Signer(accessKeyID: Self.accessKeyID, secretAccessKey: Self.s3Secret, region: "us-east-1")
        let date = Date(timeIntervalSince1970: 1_451_347_200)  // 2015-12-29T00:00:00Z
        #expect(signer.credential(date: date) == "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request")
        #expect(signer.postPolicySignature(base64Policy: policy, date: date) == "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e")
    }

    @Test("S3's URI encoding: unreserved characters kept, every other byte %XX, / only in paths")
    func uriEncoding() {
        #expect(SigV4Signer.uriEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(SigV4Signer.uriEncode("a b+c=d&e/f*g") == "a%20b%2Bc%3Dd%26e%2Ff%2Ag")
        #expect(SigV4Signer.uriEncode("é") == "%C3%A9")
        #expect(SigV4Signer.encodePath("/bucket/dir/a b+c.txt") == "/bucket/dir/a%20b%2Bc.txt")
        #expect(SigV4Signer.encodePath("key") == "/key")
        #expect(SigV4Signer.canonicalQuery([("uploadId", "x/y+z"), ("partNumber", "2"), ("uploads", "")])
            == "partNumber=2&uploadId=x%2Fy%2Bz&uploads=")
        #expect(SigV4Signer.canonicalQuery([("b", "2"), ("a", "9"), ("b", "1")]) == "a=9&b=1&b=2")
    }

    @Test("header values are trimmed and inner runs of spaces collapsed, names lower-cased and sorted")
    func headerCanonicalization() {
        let canonical = SigV4Signer.canonicalHeaders([("X-Amz-Date", " 1 "), ("Content-Type", "a   b  c"), ("Host", "h")])
        #expect(canonical.map(\.0) == ["content-type", "host", "x-amz-date"])
        #expect(canonical.map(\.1) == ["a b c", "h", "1"])
    }

    @Test("dates are formatted in UTC, whole seconds, whatever the fraction")
    func dates() {
        let date = Date(timeIntervalSince1970: 1_369_353_600 + 3661.999)
        #expect(SigV4Signer.timestamp(date) == "20130524T010101Z")
        #expect(SigV4Signer.dateStamp(date) == "20130524")
        #expect(SigV4Signer.policyExpiration(date) == "2013-05-24T01:01:01.000Z")
    }
}
