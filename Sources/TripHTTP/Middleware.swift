import Hummingbird
import TripCore

/// Every refusal or failure becomes a JSON `{"error": …}` with a 4xx/5xx status, never a dropped connection.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPRequestError {
            switch error {
            case .badRequest(let m): return Self.error(.badRequest, m)
            case .notFound(let m): return Self.error(.notFound, m)
            case .unavailable(let m): return Self.error(.serviceUnavailable, m)
            case .unauthorized(let m):
                var response = Self.error(.unauthorized, m)
                response.headers[.wwwAuthenticate] = "Bearer realm=\"tripstream\""
                return response
            }
        } catch let error as HTTPError {
            // HEAD answers with the headers of GET's answer, so its length must be that of GET's message.
            let method = request.method == .head ? .get : request.method
            let message = error.body ?? (error.status == .notFound ? "no such endpoint: \(method) \(request.uri.path)" : error.status.reasonPhrase)
            return Self.error(error.status, message)
        } catch {
            // The details (SQL, paths) go to the log, not to the client.
            context.logger.error("request \(request.uri.path) failed: \(error)")
            return Self.error(.internalServerError, "internal error; see the server's log")
        }
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        TripstreamRouter.json("{\"error\":\(JSONText.string(message))}", status: status)
    }
}

/// HEAD is answered as GET would be, without the body (RFC 9110 §9.3.2): the same status, content type and
/// content length, errors included. Outermost, so it also sees the error middleware's answers, such as the 404
/// of a path no route matches (the router's generated HEAD routes only cover the GET routes).
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        let response = try await next(request, context)
        var headers = response.headers
        if let length = response.body.contentLength { headers[.contentLength] = "\(length)" }
        return Response(status: response.status, headers: headers, body: .init())
    }
}

/// With a token configured, everything but `/healthz` needs `Authorization: Bearer <token>`. The dashboard page
/// itself may also be opened as `/?token=<token>` (a browser cannot set the header on navigation); its script
/// then sends the header on every API call.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        var presented: String?
        if let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer " {  // RFC 7235: any case
            presented = String(header.dropFirst(7))
        } else if request.uri.path == "/", let query = request.uri.queryParameters["token"] {
            presented = String(query)
        }
        guard let presented else { throw HTTPRequestError.unauthorized("this server needs Authorization: Bearer <token>") }
        guard Self.equalInConstantTime(presented, token) else { throw HTTPRequestError.unauthorized("wrong token") }
        return try await next(request, context)
    }

    /// Compares without an early exit, so the time taken does not reveal how much of a guess was right.
    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
