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
}

/// Serves `reply(requestNumber, requestBody)`; counts requests.
final class ScriptedServer: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let counter = NIOLockedValueBox(0)
    let port: Int

    init(_ reply: @escaping @Sendable (Int, String) -> ScriptedReply) throws {
        let counter = self.counter
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(counter: counter, reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    var requests: Int { counter.withLockedValue { $0 } }
    var url: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let counter: NIOLockedValueBox<Int>
        let reply: @Sendable (Int, String) -> ScriptedReply
        var body = ""

        init(counter: NIOLockedValueBox<Int>, reply: @escaping @Sendable (Int, String) -> ScriptedReply) {
            self.counter = counter
            self.reply = reply
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: body = ""
            case .body(let buffer): body += String(buffer: buffer)
            case .end:
                let number = counter.withLockedValue { value -> Int in value += 1; return value }
                let scripted = reply(number, body)
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let respond = { @Sendable in
                    let context = loopBound.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: "\(scripted.body.utf8.count)")
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
