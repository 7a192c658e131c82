// A small scripted HTTP/1.1 server on loopback (SwiftNIO) for failure injection against the remote VLM client.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One scripted reply.
struct ScriptedReply: Sendable {
    var status: HTTPResponseStatus = .ok
    var body: String
    /// Seconds to wait before answering (longer than the client's timeout simulates a hung server).
    var delay: Double = 0
    /// Extra response headers (e.g. Retry-After).
    var headers: [String: String] = [:]
}

/// What the server saw: requests so far, their Authorization headers, and the most answered at once.
struct ServerLog: Sendable {
    var requests = 0
    var authorizations: [String?] = []
    var inFlight = 0
    var mostInFlight = 0
}

/// Serves `reply(requestNumber, requestBody)`; counts requests.
final class ScriptedServer: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let log = NIOLockedValueBox(ServerLog())
    let port: Int

    init(_ reply: @escaping @Sendable (Int, String) -> ScriptedReply) throws {
        let log = self.log
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(log: log, reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    var requests: Int { log.withLockedValue { $0.requests } }
    /// The Authorization header of each request, in arrival order (nil where absent).
    var authorizations: [String?] { log.withLockedValue { $0.authorizations } }
    /// The most requests the server held unanswered at one time.
    var mostInFlight: Int { log.withLockedValue { $0.mostInFlight } }
    var url: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let log: NIOLockedValueBox<ServerLog>
        let reply: @Sendable (Int, String) -> ScriptedReply
        var body = ""
        var authorization: String?

        init(log: NIOLockedValueBox<ServerLog>, reply: @escaping @Sendable (Int, String) -> ScriptedReply) {
            self.log = log
            self.reply = reply
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                body = ""
                authorization = head.headers.first(name: "Authorization")
            case .body(let buffer): body += String(buffer: buffer)
            case .end:
                let number = log.withLockedValue { log -> Int in
                    log.requests += 1
                    log.authorizations.append(authorization)
                    log.inFlight += 1
                    log.mostInFlight = max(log.mostInFlight, log.inFlight)
                    return log.requests
                }
                let log = self.log
                let scripted = reply(number, body)
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let respond = { @Sendable in
                    let context = loopBound.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: "\(scripted.body.utf8.count)")
                    for (name, value) in scripted.headers { headers.add(name: name, value: value) }
                    log.withLockedValue { $0.inFlight -= 1 }
                    context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: scripted.status, headers: headers))), promise: nil)
                    context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: scripted.body)))), promise: nil)
                    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
                }
                if scripted.delay > 0 {
                    context.eventLoop.scheduleTask(in: .milliseconds(Int64(scripted.delay * 1000))) { respond() }
                } else {
                    respond()
                }
            }
        }
    }
}

/// A chat-completions response carrying `content`.
func completion(_ content: String) -> String {
    let object: [String: Any] = ["id": "x", "object": "chat.completion", "choices": [["index": 0, "message": ["role": "assistant", "content": content]]]]
    return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}
