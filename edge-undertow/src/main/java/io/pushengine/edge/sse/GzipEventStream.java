package io.pushengine.edge.sse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One gzip member written in pieces, for an event stream that never ends on its own: every piece is deflated with
 * {@link Deflater#SYNC_FLUSH}, so the client can inflate each event the moment its bytes arrive (a gzip encoder
 * that buffers until it has a block, as HTTP servers' usually do, would hold events back). The gzip header goes
 * before the first piece; {@link #finish} ends the member (CRC-32 and length) when the stream is closed by us.
 * <p>
 * The deflater's native memory (~260 KiB at zlib's defaults) lives until {@link #close()}: the endpoint bounds how
 * many streams have one. No allocation per piece. IO thread only. Public for the bench's StreamCompressionBenchmark.
 */
public final class GzipEventStream implements AutoCloseable
{
    /**
     * Most a piece can grow by when it does not compress (stored blocks, the sync marker, the header): output
     * buffers keep this much more room than the input they take.
     */
    public static final int MAX_EXPANSION = 64;

    private static final byte[] HEADER = {0x1f, (byte)0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte)0xff};

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private boolean headerWritten;
    private long inputBytes;

    /**
     * @param level deflate level, 1 (fastest) to 9.
     */
    public GzipEventStream(final int level)
    {
        this.deflater = new Deflater(level, true);
    }

    /**
     * Deflate {@code in} (position to limit) into {@code out}, flushed so that it can be inflated on its own.
     * {@code out} must have at least {@code in.remaining() + MAX_EXPANSION} bytes of room.
     *
     * @return bytes written to {@code out}.
     */
    public int compress(final ByteBuffer in, final ByteBuffer out)
    {
        final int start = out.position();
        if (!headerWritten)
        {
            out.put(HEADER);
            headerWritten = true;
        }
        inputBytes += in.remaining();
        final int position = in.position();
        crc.update(in); // then back: the deflater reads the same bytes (a duplicate() view would allocate)
        in.position(position);
        deflater.setInput(in);
        deflate(out, Deflater.SYNC_FLUSH);
        return out.position() - start;
    }

    /**
     * End the member: the last deflate block and the trailer (CRC-32, length mod 2^32), into {@code out} (at least
     * {@link #MAX_EXPANSION} bytes of room).
     *
     * @return bytes written to {@code out}.
     */
    public int finish(final ByteBuffer out)
    {
        final int start = out.position();
        if (!headerWritten)
        {
            out.put(HEADER);
            headerWritten = true;
        }
        deflater.finish();
        deflate(out, Deflater.NO_FLUSH);
        final ByteOrder order = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN).putInt((int)crc.getValue()).putInt((int)inputBytes).order(order);
        return out.position() - start;
    }

    /**
     * Deflate what was given with one flush mode until it is all out: with room to spare this is one call (zlib
     * empties its input and pending output when the output has room); a full buffer means it was sized wrong.
     */
    private void deflate(final ByteBuffer out, final int flush)
    {
        do
        {
            deflater.deflate(out, flush);
            if (!out.hasRemaining())
            {
                throw new IllegalStateException("deflate output larger than its buffer: " + out);
            }
        }
        while (Deflater.NO_FLUSH == flush ? !deflater.finished() : !deflater.needsInput());
    }

    public void close()
    {
        deflater.end();
    }
}
