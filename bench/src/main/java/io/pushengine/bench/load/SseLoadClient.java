package io.pushengine.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.agrona.concurrent.EpochNanoClock;

import java.nio.charset.StandardCharsets;

/**
 * An SSE client: {@code GET /sse?topics=...}, then reads the stream line by line and takes each {@code data:} line's
 * event JSON.
 */
final class SseLoadClient extends LoadClient
{
    private static final byte[] DATA_EVENT = "data: {\"sequence\":".getBytes(StandardCharsets.US_ASCII);

    private ByteBuf pending;

    SseLoadClient(final TransportStats stats, final int[] topics, final int topicCount, final EpochNanoClock clock)
    {
        super(stats, topics, topicCount, clock);
    }

    void open(final ClientIo io)
    {
        final ClientIo.WireBytes wire = new ClientIo.WireBytes(stats);
        io.connect(new ChannelInitializer<SocketChannel>()
        {
            protected void initChannel(final SocketChannel ch)
            {
                channel = ch;
                ch.pipeline().addLast(wire, new HttpClientCodec(), new Handler(io));
            }
        }).addListener(f ->
        {
            if (!f.isSuccess())
            {
                stats.error("connect: " + f.cause());
            }
        });
    }

    private final class Handler extends ChannelInboundHandlerAdapter
    {
        private final ClientIo io;

        Handler(final ClientIo io)
        {
            this.io = io;
        }

        public void channelActive(final ChannelHandlerContext ctx) throws Exception
        {
            pending = ctx.alloc().heapBuffer(4096);
            final FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.GET, "/sse?topics=" + topicsParameter);
            request.headers().set(HttpHeaderNames.HOST, io.host() + ":" + io.port());
            request.headers().set(HttpHeaderNames.ACCEPT, "text/event-stream");
            ctx.writeAndFlush(request);
            stats.requests.increment();
            super.channelActive(ctx);
        }

        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            try
            {
                if (msg instanceof HttpResponse)
                {
                    final int status = ((HttpResponse)msg).status().code();
                    if (200 == status)
                    {
                        markReady();
                    }
                    else
                    {
                        stats.error("sse answered " + status);
                    }
                }
                if (msg instanceof HttpContent)
                {
                    pending.writeBytes(((HttpContent)msg).content());
                    lines();
                }
            }
            finally
            {
                ReferenceCountUtil.release(msg);
            }
        }

        public void channelInactive(final ChannelHandlerContext ctx) throws Exception
        {
            if (!stopping)
            {
                stats.error("sse stream closed by the edge");
            }
            if (null != pending)
            {
                pending.release();
                pending = null;
            }
            super.channelInactive(ctx);
        }

        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            stats.error("sse: " + cause);
            ctx.close();
        }
    }

    private void lines()
    {
        int start = pending.readerIndex();
        final int end = pending.writerIndex();
        int newline;
        while ((newline = pending.indexOf(start, end, (byte)'\n')) >= 0)
        {
            if (newline - start > DATA_EVENT.length && EventJson.indexOf(pending, start, start + DATA_EVENT.length,
                DATA_EVENT) == start)
            {
                EventJson.forEachEvent(pending, start + 6, newline, this);
            }
            start = newline + 1;
        }
        pending.readerIndex(start);
        pending.discardReadBytes();
    }
}
