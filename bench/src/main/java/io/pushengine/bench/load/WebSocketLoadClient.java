package io.pushengine.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.ErrorDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.SubscribedDecoder;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.URI;

/**
 * A WebSocket client: subscribes at the handshake ({@code /ws?topics=...}) and decodes the edge's binary SBE frames
 * with the generated flyweights, in place where Netty's buffer is direct.
 */
final class WebSocketLoadClient extends LoadClient
{
    private static final int MAX_FRAME = 4 * 1024 * 1024;

    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final BatchDecoder batch = new BatchDecoder();
    private final SubscribedDecoder subscribed = new SubscribedDecoder();
    private final ErrorDecoder error = new ErrorDecoder();
    private final Int2IntHashMap topicIndexByNumber = new Int2IntHashMap(-1);
    private byte[] copy = new byte[0];

    WebSocketLoadClient(final TransportStats stats, final int[] topics, final int topicCount, final EpochNanoClock clock)
    {
        super(stats, topics, topicCount, clock);
    }

    void open(final ClientIo io)
    {
        final URI uri = URI.create("ws://" + io.host() + ":" + io.port() + "/ws?topics=" + topicsParameter);
        final ClientIo.WireBytes wire = new ClientIo.WireBytes(stats);
        io.connect(new ChannelInitializer<SocketChannel>()
        {
            protected void initChannel(final SocketChannel ch)
            {
                channel = ch;
                ch.pipeline().addLast(
                    wire,
                    new HttpClientCodec(),
                    new HttpObjectAggregator(64 * 1024),
                    new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                        .webSocketUri(uri)
                        .maxFramePayloadLength(MAX_FRAME)
                        .handshakeTimeoutMillis(30_000)
                        .build()),
                    new WebSocketFrameAggregator(MAX_FRAME),
                    new Handler());
            }
        }).addListener(f ->
        {
            if (!f.isSuccess())
            {
                stats.error("connect: " + f.cause());
            }
        });
    }

    private final class Handler extends SimpleChannelInboundHandler<WebSocketFrame>
    {
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) throws Exception
        {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE)
            {
                stats.requests.increment();
            }
            super.userEventTriggered(ctx, evt);
        }

        protected void channelRead0(final ChannelHandlerContext ctx, final WebSocketFrame frame)
        {
            if (frame instanceof BinaryWebSocketFrame)
            {
                decode(frame.content());
            }
        }

        public void channelInactive(final ChannelHandlerContext ctx) throws Exception
        {
            if (!stopping)
            {
                stats.error("websocket closed by the edge");
            }
            super.channelInactive(ctx);
        }

        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            stats.error("websocket: " + cause);
            ctx.close();
        }
    }

    private void decode(final ByteBuf content)
    {
        final int length = content.readableBytes();
        if (content.hasMemoryAddress())
        {
            view.wrap(content.memoryAddress() + content.readerIndex(), length);
        }
        else
        {
            if (copy.length < length)
            {
                copy = new byte[Math.max(length, 2 * copy.length)];
            }
            content.getBytes(content.readerIndex(), copy, 0, length);
            view.wrap(copy, 0, length);
        }
        header.wrap(view, 0);
        final int templateId = header.templateId();
        if (templateId == BatchDecoder.TEMPLATE_ID)
        {
            batch.wrapAndApplyHeader(view, 0, header);
            final long frameBuiltNs = batch.sentTimestampNs();
            final long receivedNs = clock.nanoTime();
            for (final BatchDecoder.EventsDecoder event : batch.events())
            {
                final int topicIndex = topicIndexByNumber.get(event.topic());
                final long topicSequence = event.topicSequence();
                final long timestampNs = event.timestampNs();
                event.skipPayload();
                onEvent(topicIndex, topicSequence, timestampNs);
                stats.recordSplit(frameBuiltNs - timestampNs, receivedNs - frameBuiltNs);
            }
        }
        else if (templateId == SubscribedDecoder.TEMPLATE_ID)
        {
            subscribed.wrapAndApplyHeader(view, 0, header);
            final int number = subscribed.topic();
            topicIndexByNumber.put(number, TopicSequences.topicIndex(subscribed.topicName()));
            if (topicIndexByNumber.size() == topics.length)
            {
                markReady();
            }
        }
        else if (templateId == ErrorDecoder.TEMPLATE_ID)
        {
            error.wrapAndApplyHeader(view, 0, header);
            stats.error("websocket Error " + error.code() + ": " + error.reason());
        }
    }
}
