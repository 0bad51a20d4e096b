package io.pushengine.edge.websocket;

import io.undertow.server.protocol.framed.AbstractFramedChannel;
import io.undertow.websockets.core.WebSocketChannel;
import org.xnio.ChannelListener;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * Writes a WebSocket connection's outbound frames straight to its socket, in as few calls as the socket allows:
 * whatever the connection has waiting goes out in one write. Undertow keeps the handshake and the inbound side;
 * its outbound path (a frame channel, a send queue and pooled buffers per frame) is not used, so every frame the
 * server sends (data, control, ping, pong, close) goes through here, and in order.
 * <p>
 * What the socket does not take is kept (the only copy that grows with a slow client, bounded by what one drain
 * builds: an IO thread's scratch, {@link io.pushengine.edge.session.IoThreadFlusher#scratch()}) and written when the socket is
 * writable again; nothing else is written until it is gone. IO thread only.
 */
final class WebSocketSocketWriter implements ChannelListener<StreamSinkChannel>
{
    private static final VarHandle FRAMED_CHANNEL_CONNECTION = connectionHandle();

    private final StreamSinkChannel sink;
    private final Runnable onDrained;
    private final Runnable onFailed;
    private ByteBuffer pending;
    private boolean awaitingWritable;

    /**
     * @param channel   the upgraded connection.
     * @param onDrained called on the IO thread when kept bytes have all been written.
     * @param onFailed  called on the IO thread when the socket fails (the channel is closed first).
     */
    WebSocketSocketWriter(final WebSocketChannel channel, final Runnable onDrained, final Runnable onFailed)
    {
        final StreamConnection connection = (StreamConnection)FRAMED_CHANNEL_CONNECTION.get(channel);
        this.sink = connection.getSinkChannel();
        this.onDrained = onDrained;
        this.onFailed = onFailed;
        sink.getWriteSetter().set(this); // Undertow writes nothing from now on, so its write listener is not needed
    }

    /**
     * True while bytes the socket has not taken are kept: nothing more should be built until they are written.
     */
    boolean hasPending()
    {
        return null != pending;
    }

    /**
     * Write {@code src} (position to limit); keep what the socket does not take.
     *
     * @return true if all of it was written.
     */
    boolean write(final ByteBuffer src)
    {
        if (null != pending)
        {
            keep(src);
            return false;
        }
        try
        {
            sink.write(src);
            if (!src.hasRemaining())
            {
                if (sink.flush())
                {
                    return true;
                }
                pending = ByteBuffer.allocate(0); // a TLS layer still holds bytes: wait for it as for our own
            }
            else
            {
                keep(src);
            }
            awaitWritable();
            return false;
        }
        catch (final IOException ex)
        {
            fail();
            return false;
        }
    }

    /**
     * Write a whole frame made off the hot path (control replies, pings, close), after anything kept.
     */
    void writeFrame(final byte[] frame)
    {
        write(ByteBuffer.wrap(frame));
    }

    private void keep(final ByteBuffer src)
    {
        if (null == pending || !pending.hasRemaining())
        {
            pending = ByteBuffer.allocate(src.remaining());
            pending.put(src).flip();
            return;
        }
        final ByteBuffer joined = ByteBuffer.allocate(pending.remaining() + src.remaining());
        joined.put(pending).put(src).flip();
        pending = joined;
    }

    private void awaitWritable()
    {
        if (!awaitingWritable)
        {
            awaitingWritable = true;
            sink.resumeWrites();
        }
    }

    /**
     * The socket can take more: write what was kept; when it is all gone, let the connection build more.
     */
    public void handleEvent(final StreamSinkChannel channel)
    {
        try
        {
            while (pending.hasRemaining())
            {
                if (0 == sink.write(pending))
                {
                    return;
                }
            }
            if (!sink.flush())
            {
                return;
            }
        }
        catch (final IOException ex)
        {
            fail();
            return;
        }
        pending = null;
        awaitingWritable = false;
        sink.suspendWrites();
        onDrained.run();
    }

    private void fail()
    {
        pending = null;
        awaitingWritable = false;
        onFailed.run();
    }

    /**
     * Undertow's framed channel does not expose its connection; it is a private field of a class on the class path
     * (no module boundary), read once per connection.
     */
    private static VarHandle connectionHandle()
    {
        try
        {
            return MethodHandles.privateLookupIn(AbstractFramedChannel.class, MethodHandles.lookup())
                .findVarHandle(AbstractFramedChannel.class, "channel", StreamConnection.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError("this Undertow version does not hold its connection in " +
                "AbstractFramedChannel.channel; the WebSocket writer needs it: " + ex);
        }
    }
}
