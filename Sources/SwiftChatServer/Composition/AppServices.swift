import Foundation
import Logging
import SwiftChatCore

/// The services the routes and the socket use, built once from the settings and the backends.
struct AppServices: Sendable {
    let store: any ChatStore
    let broker: any Broker
    let api: APIContext
    let conversations: ConversationService
    let eventLog: EventLogService
    let gate: WebSocketGate
    let socketCounters: SocketCounters
    let attachments: AttachmentService
    let uploadForms: UploadFormToken
    let mediaSweeper: MediaSweeper
    let presence: PresenceService
    let messageSearch: MessageSearchService
    let nearby: NearbyService
    let admin: AdminService

    init(
        settings: Settings, store: any ChatStore, broker: any Broker, auth: AuthService, storage: any BlobStorage, secret: String,
        onImageStored: @escaping @Sendable (Attachment) -> Void, logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.broker = broker
        let links = AttachmentLinkSigner(secret: secret, lifetime: settings.media.linkLifetime)
        let media = settings.media
        attachments = AttachmentService(
            store: store, storage: storage,
            limits: UploadLimits(
                maxSize: media.maxUploadSize, quotaPerUser: media.quotaPerUser, allowedTypes: media.allowedTypes, maxImagePixels: media.maxImagePixels),
            links: links, onImageStored: onImageStored, now: now)
        uploadForms = UploadFormToken(secret: secret)
        mediaSweeper = MediaSweeper(store: store, storage: storage, unattachedLifetime: media.unattachedLifetime, logger: logger, now: now)
        let throttles = WriteThrottles(
            messagesPerMinute: settings.messageRatePerUser, interestChangesPerMinute: settings.interestRatePerUser, now: now)
        let interests = InterestService(store: store, broker: broker, now: now)
        api = APIContext(
            auth: auth, users: UserService(store: store, broker: broker, privacy: settings.userPrivacy),
            interests: interests,
            messages: ChatMessageService(
                store: store, broker: broker, interests: interests, maxMessageLength: settings.maxMessageLength, now: now),
            maxBodySize: settings.maxBodySize, throttles: throttles,
            search: SearchLimits(maxTerms: settings.searchMaxTerms, maxTermLength: settings.searchMaxTermLength), attachmentLinks: links,
            trustedProxies: settings.trustProxy ? settings.trustedProxies : [], trustProxy: settings.trustProxy)
        eventLog = EventLogService(
            store: store, retention: .init(age: settings.eventRetention, count: settings.eventRetentionCount), attachmentLinks: links, now: now)
        conversations = ConversationService(
            store: store, broker: broker,
            limits: .init(
                maxGroupMembers: settings.groupMaxMembers, maxMessageLength: settings.maxMessageLength, editWindow: settings.messageEditWindow),
            now: now)
        presence = PresenceService(
            store: store, broker: broker, registry: makePresenceRegistry(settings, broker: broker), ttl: settings.presenceTTL, logger: logger, now: now)
        messageSearch = MessageSearchService(store: store, maxTerms: settings.searchMaxTerms, maxTermLength: settings.searchMaxTermLength)
        nearby = NearbyService(store: store, cellMeters: Double(settings.locationCellMeters), lifetime: settings.locationLifetime, now: now)
        admin = AdminService(
            store: store, broker: broker, auth: auth, users: api.users, interests: interests, conversations: conversations,
            sessionLifetime: settings.adminSessionLifetime, now: now)
        socketCounters = SocketCounters()
        gate = WebSocketGate(
            auth: auth, corsOrigins: settings.corsAllowedOrigins, allowedHosts: settings.allowedHosts, sockets: socketCounters,
            maxSocketsPerUser: settings.webSocketMaxSocketsPerUser)
    }
}
