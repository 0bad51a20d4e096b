package io.pushengine.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import org.agrona.concurrent.EpochNanoClock;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A polling client on one kept-alive connection, as a migrating web client polls: the first poll
 * ({@code snapshot=false}) only learns the cursor; then long-poll ({@code wait=W}, the next at once) or short-poll
 * ({@code wait=0} every interval, at a fixed rate from a random phase, so a thousand clients do not poll in step).
 */
final class PollLoadClient extends LoadClient
{
    private final long waitMs;
    private final long intervalNs;
    private long cursor = -1;
    private long nextDueNs;
    private ClientIo io;

    /**
     * @param waitMs     long-poll wait, or 0 for short-poll.
     * @param intervalMs short-poll interval (ignored for long-poll).
     */
    PollLoadClient(
        final TransportStats stats,
        final int[] topics,
        final int topicCount,
        final EpochNanoClock clock,
        final long waitMs,
        final long intervalMs)
    {
        super(stats, topics, topicCount, clock);
        this.waitMs = waitMs;
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
    }

    void open(final ClientIo io)
    {
        this.io = io;
        final ClientIo.WireBytes wire = new ClientIo.WireBytes(stats);
        io.connect(new ChannelInitializer<SocketChannel>()
        {
            protected void initChannel(final SocketChannel ch)
            {
                channel = ch;
                ch.pipeline().addLast(wire, new HttpClientCodec(), new HttpObjectAggregator(16 * 1024 * 1024),
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

    private final class Handler extends SimpleChannelInboundHandler<FullHttpResponse>
    {
        public void channelActive(final ChannelHandlerContext ctx) throws Exception
        {
            poll(ctx, "&snapshot=false");
            super.channelActive(ctx);
        }

        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpResponse response)
        {
            final ByteBuf body = response.content();
            final int from = body.readerIndex();
            final int to = body.writerIndex();
            if (200 != response.status().code())
            {
                stats.error("poll answered " + response.status().code() + ": " +
                    body.toString(java.nio.charset.StandardCharsets.UTF_8));
                ctx.executor().schedule(() -> poll(ctx, ""), 1, TimeUnit.SECONDS);
                return;
            }
            if (EventJson.isReset(body, from, to))
            {
                stats.error("poll reset: events after " + cursor + " are gone");
            }
            final long answerCursor = EventJson.cursor(body, from, to);
            if (cursor >= 0)
            {
                EventJson.forEachEvent(body, from, to, PollLoadClient.this);
            }
            cursor = Math.max(cursor, answerCursor);
            if (!ready)
            {
                markReady();
                nextDueNs = System.nanoTime() + (waitMs > 0 ? 0 : ThreadLocalRandom.current().nextLong(intervalNs));
            }
            if (stopping)
            {
                return;
            }
            if (waitMs > 0)
            {
                poll(ctx, "");
            }
            else
            {
                final long now = System.nanoTime();
                nextDueNs = Math.max(nextDueNs, now - intervalNs); // a stalled client does not catch up in a burst
                final long delayNs = nextDueNs - now;
                nextDueNs += intervalNs;
                ctx.executor().schedule(() -> poll(ctx, ""), Math.max(0, delayNs), TimeUnit.NANOSECONDS);
            }
        }

        public void channelInactive(final ChannelHandlerContext ctx) throws Exception
        {
            if (!stopping)
            {
                stats.error("poll connection closed by the edge");
            }
            super.channelInactive(ctx);
        }

        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            stats.error("poll: " + cause);
            ctx.close();
        }
    }

    private void poll(final ChannelHandlerContext ctx, final String extra)
    {
        if (stopping || !ctx.channel().isActive())
        {
            return;
        }
        final StringBuilder uri = new StringBuilder(64 + topicsParameter.length())
            .append("/poll?topics=").append(topicsParameter);
        if (cursor >= 0)
        {
            uri.append("&after=").append(cursor).append("&wait=").append(waitMs);
        }
        uri.append(extra);
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri.toString());
        request.headers().set(HttpHeaderNames.HOST, io.host() + ":" + io.port());
        ctx.writeAndFlush(request);
        stats.requests.increment();
    }
}
