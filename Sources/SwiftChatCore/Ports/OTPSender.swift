/// Delivers a one-time code to a phone outside dev mode (log, webhook or Twilio).
public protocol OTPSender: Sendable {
    func send(code: String, to phoneNumber: String) async throws
}
