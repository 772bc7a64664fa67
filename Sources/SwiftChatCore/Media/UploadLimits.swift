/// What an upload may be: its size, its type (found in its content), the uploader's quota.
public struct UploadLimits: Sendable {
    public var maxSize: Int64
    public var quotaPerUser: Int64
    public var allowedTypes: Set<String>
    public var maxImagePixels: Int

    public init(maxSize: Int64, quotaPerUser: Int64, allowedTypes: Set<String>, maxImagePixels: Int) {
        self.maxSize = maxSize
        self.quotaPerUser = quotaPerUser
        self.allowedTypes = allowedTypes
        self.maxImagePixels = maxImagePixels
    }
}
