package io.pushengine.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load clients' non-blocking IO: a few Netty event loops for every connection, and, for a loopback target,
 * source addresses spread over 127.0.0.2..(N+1) so that tens of thousands of connections do not run out of
 * ephemeral ports on one address (and so that the edge's per-address limit sees many clients, as in production).
 */
final class ClientIo implements AutoCloseable
{
    private final NioEventLoopGroup group;
    private final String host;
    private final int port;
    private final int sourceAddresses;
    private final AtomicInteger connections = new AtomicInteger();

    ClientIo(final String host, final int port, final int threads, final int sourceAddresses) throws Exception
    {
        this.group = new NioEventLoopGroup(threads);
        this.host = host;
        this.port = port;
        this.sourceAddresses = InetAddress.getByName(host).isLoopbackAddress() ? sourceAddresses : 0;
    }

    String host()
    {
        return host;
    }

    int port()
    {
        return port;
    }

    /**
     * Open one connection; {@code pipeline} sets it up once connected.
     */
    ChannelFuture connect(final ChannelInitializer<SocketChannel> pipeline)
    {
        final Bootstrap bootstrap = new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .handler(pipeline);
        final int n = connections.getAndIncrement();
        if (sourceAddresses > 0)
        {
            bootstrap.localAddress(new InetSocketAddress("127.0.0." + (2 + n % sourceAddresses), 0));
        }
        return bootstrap.connect(host, port);
    }

    public void close()
    {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Counts every byte on the wire, both ways, at the bottom of a pipeline: HTTP headers and WebSocket framing
     * included.
     */
    @ChannelHandler.Sharable
    static final class WireBytes extends ChannelDuplexHandler
    {
        private final TransportStats stats;

        WireBytes(final TransportStats stats)
        {
            this.stats = stats;
        }

        public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception
        {
            if (msg instanceof ByteBuf)
            {
                stats.bytesIn.add(((ByteBuf)msg).readableBytes());
            }
            super.channelRead(ctx, msg);
        }

        public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
            throws Exception
        {
            if (msg instanceof ByteBuf)
            {
                stats.bytesOut.add(((ByteBuf)msg).readableBytes());
            }
            super.write(ctx, msg, promise);
        }
    }
}
