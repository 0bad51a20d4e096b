package io.pushengine.edge.websocket;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.websockets.core.StreamSinkFrameChannel;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.extensions.ExtensionFunction;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The inbound half of {@code permessage-deflate} for one connection: a client message with RSV1 set is inflated
 * before the control-message listener reads it. Each message on its own ({@code client_no_context_takeover} is in
 * every answer), into at most {@code maxMessageLength} bytes: a message that inflates to more (a compression bomb
 * a few KiB on the wire) is not inflated further; its connection is closed with 1009 and a reason, counted, and
 * nothing of it is read. The inflater (~40 KiB native) is made on the first compressed message, since most clients
 * send a few small messages or none.
 * <p>
 * Undertow's own function is not used: it keeps a deflater per connection for its outbound path, which the edge
 * does not use (its writer compresses, {@link WebSocketDeflater}), and it inflates without a bound. Outbound frames
 * that Undertow itself writes (none in normal operation) leave uncompressed, which the extension allows. IO thread.
 */
final class InboundInflate implements ExtensionFunction
{
    /**
     * The channel attribute under which the endpoint puts the connection's session, for the 1009 close.
     */
    static final String SESSION_ATTRIBUTE = "push.session";

    private static final byte[] TAIL = { 0x00, 0x00, (byte)0xFF, (byte)0xFF };
    /**
     * Undertow's frame channels keep RSV1..3 as three bits, RSV1 the highest.
     */
    private static final int RSV1_BIT = 4;

    private final int maxMessageLength;
    private Inflater inflater;
    private int messageLength;
    private boolean discarding;

    InboundInflate(final int maxMessageLength)
    {
        this.maxMessageLength = maxMessageLength;
    }

    public boolean hasExtensionOpCode()
    {
        return false;
    }

    public int writeRsv(final int rsv)
    {
        return rsv; // what Undertow writes goes uncompressed
    }

    public PooledByteBuffer transformForWrite(
        final PooledByteBuffer pooled, final StreamSinkFrameChannel channel, final boolean lastFrame)
    {
        return pooled;
    }

    public PooledByteBuffer transformForRead(
        final PooledByteBuffer pooled, final StreamSourceFrameChannel channel, final boolean lastFragmentOfMessage)
        throws IOException
    {
        if (0 == (channel.getRsv() & RSV1_BIT))
        {
            return pooled; // sent uncompressed
        }
        if (null == inflater)
        {
            inflater = new Inflater(true);
        }
        ByteBuffer out = ByteBuffer.allocate(Math.min(maxMessageLength + 1, 4 * pooled.getBuffer().remaining() + 64));
        try
        {
            inflater.setInput(pooled.getBuffer());
            out = inflate(out);
            if (lastFragmentOfMessage)
            {
                inflater.setInput(TAIL);
                out = inflate(out);
            }
        }
        catch (final DataFormatException ex)
        {
            throw new IOException("a compressed message that does not inflate: " + ex.getMessage(), ex);
        }
        finally
        {
            pooled.close();
        }
        if (lastFragmentOfMessage)
        {
            inflater.reset(); // the next message stands on its own (client_no_context_takeover)
            messageLength = 0;
        }
        if (discarding)
        {
            if (lastFragmentOfMessage)
            {
                discarding = false;
            }
            tooLarge(channel.getWebSocketChannel());
            return new ImmediatePooledByteBuffer(ByteBuffer.allocate(0));
        }
        return new ImmediatePooledByteBuffer(out.flip());
    }

    /**
     * Inflate what was given into {@code out}, growing it up to the message bound; past it, stop and discard.
     */
    private ByteBuffer inflate(final ByteBuffer start) throws DataFormatException
    {
        ByteBuffer out = start;
        while (!discarding && !inflater.needsInput() && !inflater.finished())
        {
            if (!out.hasRemaining())
            {
                if (out.capacity() > maxMessageLength)
                {
                    discarding = true;
                    break;
                }
                final ByteBuffer larger = ByteBuffer.allocate(Math.min(maxMessageLength + 1, 2 * out.capacity()));
                out = larger.put(out.flip());
            }
            final int inflated = inflater.inflate(out);
            messageLength += inflated;
            if (messageLength > maxMessageLength)
            {
                discarding = true;
            }
        }
        return out;
    }

    private void tooLarge(final WebSocketChannel channel)
    {
        final Object session = channel.getAttribute(SESSION_ATTRIBUTE);
        if (session instanceof WebSocketSession webSocketSession && !webSocketSession.isClosing())
        {
            webSocketSession.closeForInflatedSize(maxMessageLength);
        }
    }

    public void dispose()
    {
        if (null != inflater)
        {
            inflater.end();
        }
    }
}
