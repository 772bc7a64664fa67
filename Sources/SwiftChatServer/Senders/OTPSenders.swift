import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SwiftChatCore

/// The default sender outside dev mode: records that a code was issued, never the code itself.
struct LogOTPSender: OTPSender {
    let logger: Logger

    func send(code: String, to phoneNumber: String) async throws {
        logger.notice("verification code issued (log sender: code withheld)", metadata: ["phone": "\(PhoneMask.mask(phoneNumber))"])
    }
}

struct OTPDeliveryError: Error, CustomStringConvertible {
    let description: String
}

/// POSTs `{"phone_number", "code", "message"}` as JSON to a URL of the operator's.
struct WebhookOTPSender: OTPSender {
    let client: HTTPClient
    let url: URL
    let messageTemplate: String

    func send(code: String, to phoneNumber: String) async throws {
        let body = JSONValue.object([
            ("phone_number", .string(phoneNumber)), ("code", .string(code)),
            ("message", .string(messageTemplate.replacingOccurrences(of: "{code}", with: code))),
        ]).serialized
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw OTPDeliveryError(description: "webhook answered \(response.status.code)")
        }
    }
}

/// Twilio's Messages API: a form POST with basic auth.
struct TwilioOTPSender: OTPSender {
    let client: HTTPClient
    let apiURL: URL
    let accountSID: String
    let authToken: String
    let fromNumber: String
    let messageTemplate: String

    func send(code: String, to phoneNumber: String) async throws {
        let url = apiURL.appendingPathComponent("2010-04-01/Accounts/\(accountSID)/Messages.json")
        let fields = [("To", phoneNumber), ("From", fromNumber), ("Body", messageTemplate.replacingOccurrences(of: "{code}", with: code))]
        let form = fields.map { "\($0)=\(Self.formEncode($1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString())
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw OTPDeliveryError(description: "Twilio answered \(response.status.code)")
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text)
    }
}

/// Phone numbers in logs keep only their last four digits.
enum PhoneMask {
    static func mask(_ phone: String) -> String {
        String(repeating: "•", count: max(0, phone.count - 4)) + phone.suffix(4)
    }
}
