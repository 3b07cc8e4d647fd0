import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import TripCore

/// Answers bytes that are not HTTP/1.1 (a malformed request line or header) with `400 {"error": …}`, where
/// Hummingbird would send an empty 400. It sits behind the HTTP codec, so it sees the parser's error before the
/// request loop does, and only answers between requests: an error while a response is under way (a request
/// body that turns bad) is passed on, and the connection closes as before.
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var requestsStarted = 0
    private var responsesEnded = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requestsStarted += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responsesEnded += 1 }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError, requestsStarted == responsesEnded else {
            context.fireErrorCaught(error)
            return
        }
        let body = ByteBuffer(string: "{\"error\":\(JSONText.string("bad request: not HTTP/1.1 (\(parseError))"))}")
        let head = HTTPResponse(status: .badRequest, headerFields: [
            .contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close",
        ])
        responsesEnded += 1  // this answer ends the connection; nothing may follow it
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
