import AsyncHTTPClient
import Logging
import SwiftChatCore

/// The OTP sender the settings choose; the log sender when the chosen one lacks its settings
/// (startup checks refuse that outside dev mode).
func makeSender(_ settings: Settings, logger: Logger) -> any OTPSender {
    let template = settings.otpMessage
    switch settings.otpSender {
    case .webhook:
        if let url = settings.otpWebhookURL {
            return WebhookOTPSender(client: .shared, url: url, messageTemplate: template)
        }
    case .twilio:
        if let sid = settings.twilioAccountSID, let token = settings.twilioAuthToken, let from = settings.twilioFromNumber {
            return TwilioOTPSender(
                client: .shared, apiURL: settings.twilioAPIURL, accountSID: sid, authToken: token, fromNumber: from, messageTemplate: template)
        }
    case .log: break
    }
    return LogOTPSender(logger: logger)
}
