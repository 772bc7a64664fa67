import Hummingbird
import SwiftChatCore

/// `GET /metrics`, when `SWIFTCHAT_METRICS` is on: Prometheus's text format, for a scraper
/// inside the deployment (not part of the API, so not in the OpenAPI document).
struct MetricsController {
    let metrics: ServerMetrics
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/metrics") { _, _ in
            let sources = MetricSources(
                openSockets: services.socketCounters.open, overflowClosed: services.socketCounters.closedForOverflow,
                delivery: services.broker.subscribers.counters.snapshot, eventLogReads: services.eventLog.reads.total,
                brokerUp: services.broker.health != .disconnected)
            var buffer = ByteBuffer()
            buffer.writeString(metrics.render(sources))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: buffer))
        }
    }
}
