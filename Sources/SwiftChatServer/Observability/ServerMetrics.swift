import Prometheus
import SwiftChatCore
import Synchronization

/// The process's metrics in Prometheus's text format, for `GET /metrics` (`SWIFTCHAT_METRICS`).
/// Requests are counted and timed as they finish, by route pattern (never the raw path, so that
/// hostile paths cannot grow the label set), method and status. What other parts already count
/// (sockets, the fan-out, the broker, event-log reads) is read from their counters at scrape
/// time rather than counted twice.
final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private struct Series: Hashable {
        let route: String
        let method: String
        let status: Int
    }
    private let requests = Mutex<[Series: Counter]>([:])
    private let latencies = Mutex<[String: DurationHistogram]>([:])
    /// Seconds, from a fast cached read to a slow upload.
    static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let method = Self.methods.contains(method) ? method : "other"
        let series = Series(route: route, method: method, status: status)
        let counter = requests.withLock { table in
            if let known = table[series] { return known }
            let made = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "swiftchat", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered."),
                labels: [("route", route), ("method", method), ("status", String(status))])
            table[series] = made
            return made
        }
        counter.increment()
        let histogram = latencies.withLock { table in
            if let known = table[route] { return known }
            let made = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    namespace: "swiftchat", metricName: "http_request_duration", unitName: "seconds", helpText: "Time from a request's head to its answer."),
                labels: [("route", route)], buckets: Self.buckets)
            table[route] = made
            return made
        }
        histogram.record(duration)
    }

    /// The text of a scrape: the recorded series, then the figures read from `sources`.
    func render(_ sources: MetricSources) -> String {
        var text = registry.emitToString()
        let delivery = sources.delivery
        let figures: [(String, String, String, Int)] = [
            ("swiftchat_websocket_open_sockets", "gauge", "Notification sockets open in this process.", sources.openSockets),
            ("swiftchat_websocket_overflow_closed_total", "counter", "Sockets closed for reading too slowly (1013).", sources.overflowClosed),
            ("swiftchat_fanout_subscriptions", "gauge", "Socket subscriptions held by this process's fan-out.", delivery.subscriptions),
            ("swiftchat_fanout_delivered_total", "counter", "Notifications queued to sockets.", delivery.delivered),
            ("swiftchat_fanout_overflowed_total", "counter", "Notifications refused by a full socket queue.", delivery.overflowed),
            ("swiftchat_broker_published_total", "counter", "Publications handed to the cross-process broker.", delivery.published),
            ("swiftchat_broker_publish_failures_total", "counter", "Publications the cross-process broker could not take.", delivery.publishFailures),
            ("swiftchat_broker_received_total", "counter", "Publications received from the cross-process broker.", delivery.received),
            ("swiftchat_broker_connection_failures_total", "counter", "Failed attempts to reach the cross-process broker (reconnects).", delivery.connectionFailures),
            ("swiftchat_event_log_reads_total", "counter", "Reads of users' event logs.", sources.eventLogReads),
        ]
        for (name, type, help, value) in figures {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        text += "# HELP swiftchat_broker_up Whether the broker is usable (in-process always is).\n# TYPE swiftchat_broker_up gauge\n"
        text += "swiftchat_broker_up \(sources.brokerUp ? 1 : 0)\n"
        return text
    }
}

/// What a scrape reads from the rest of the process.
struct MetricSources: Sendable {
    var openSockets: Int
    var overflowClosed: Int
    var delivery: DeliveryCounters.Snapshot
    var eventLogReads: Int
    var brokerUp: Bool
}
