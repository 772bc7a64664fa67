import Hummingbird
import Logging

/// Writes one line per answered request (method, path without its query string, status,
/// duration; the request id is in the logger's metadata) and records it in the metrics. The
/// query string is left out because it may carry a token (`/ws/?token=`) or a search; bodies
/// and headers never reach the log.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logs: Bool
    let metrics: ServerMetrics?
    /// Longer paths are cut: a log line stays readable whatever a client sends.
    static var maxLoggedPath: Int { 256 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            finish(request, context, status: Int(response.status.code), since: started)
            return response
        } catch {
            // The error middleware further in answers most errors; what reaches here is answered by the server.
            finish(request, context, status: Int((error as? any HTTPResponseError)?.status.code ?? 500), since: started)
            throw error
        }
    }

    private func finish(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        metrics?.recordRequest(route: context.endpointPath ?? "NotFound", method: request.method.rawValue, status: status, duration: elapsed)
        guard logs else { return }
        let path = request.uri.path
        let shown = path.utf8.count > Self.maxLoggedPath ? String(path.prefix(Self.maxLoggedPath)) + "…" : path
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("\(request.method.rawValue) \(shown) \(status) \((milliseconds * 100).rounded() / 100) ms")
    }
}
