package io.pushengine.edge.websocket;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * The outbound half of {@code permessage-deflate} (RFC 7692) for one connection: each message the writer builds is
 * deflated with {@link Deflater#SYNC_FLUSH} and its trailing {@code 00 00 FF FF} removed, and sent with RSV1 set.
 * With context takeover (the default) the deflater keeps its 32 KiB window across messages, so a price tick that
 * repeats the last one's field names and most of its digits costs a few bytes; with {@code
 * server_no_context_takeover} agreed each message starts afresh. ~260 KiB of native memory while the connection is
 * open, bounded by the endpoint's budget of compressed streams. No allocation per message. IO thread only. Public
 * for the bench's StreamCompressionBenchmark.
 */
public final class WebSocketDeflater implements AutoCloseable
{
    private final Deflater deflater;
    private final boolean contextTakeover;

    /**
     * @param level           deflate level, 1 (fastest) to 9, or -1 for zlib's default (6).
     * @param contextTakeover keep the window from one message to the next.
     */
    public WebSocketDeflater(final int level, final boolean contextTakeover)
    {
        this.deflater = new Deflater(level, true);
        this.contextTakeover = contextTakeover;
    }

    /**
     * Most a message can grow by when it does not compress (stored blocks and the flush marker): a frame's buffer
     * keeps this much room beyond the payload it was built for.
     */
    public static int maxGrowth(final int length)
    {
        return length / 2048 + 64;
    }

    /**
     * Deflate the message in {@code in} (position to limit) into {@code out} (at least {@code in.remaining() +
     * maxGrowth(in.remaining())} of room), as the payload of one compressed frame.
     *
     * @return the compressed payload's length, written from {@code out}'s position.
     */
    public int compress(final ByteBuffer in, final ByteBuffer out)
    {
        final int start = out.position();
        deflater.setInput(in);
        do
        {
            deflater.deflate(out, Deflater.SYNC_FLUSH);
            if (!out.hasRemaining())
            {
                throw new IllegalStateException("deflated message larger than its buffer: " + out);
            }
        }
        while (!deflater.needsInput());
        if (!contextTakeover)
        {
            deflater.reset();
        }
        // a sync flush ends with an empty stored block, 00 00 FF FF: the receiver puts it back (RFC 7692 7.2.1)
        return out.position() - start - 4;
    }

    public void close()
    {
        deflater.end();
    }
}
