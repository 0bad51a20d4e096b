package io.pushengine.edge.sse;

import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.http.Json;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlusher;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.pushengine.edge.session.RecentEvents;
import io.pushengine.edge.session.SseTextSession;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A Server-Sent Events connection over Undertow: an {@link SseTextSession} (the fan-out queues pre-rendered text
 * blocks, rendered once per event per edge) whose IO thread concatenates what is waiting into one write and starts
 * the next only when the socket has taken it. While all its subscriptions take every event ({@code disconnect}),
 * it reads its events' blocks from the edge's one text log by cursor instead of a copy in its ring (shared-log
 * segments, as a WebSocket reads the SBE log): a burst larger than its ring does not cut a client that reads.
 */
public final class SseSession extends SseTextSession
    implements ControlledMessageHandler, ClientSession.SharedLogEventHandler, ClientSession.SharedLogGapHandler
{
    /**
     * The {@code transport} label of its sessions (logs, latency histograms).
     */
    public static final String TRANSPORT = "sse";

    private static final Logger LOG = LoggerFactory.getLogger(SseSession.class);
    private static final UnsafeBuffer NOTHING = new UnsafeBuffer(new byte[0]);
    /**
     * A comment (for proxies and raw readers) and a {@code $heartbeat} event: an EventSource hides comments, and a
     * browser's watchdog needs to see the stream is alive. No {@code id:}: it does not move Last-Event-ID.
     */
    private static final byte[] HEARTBEAT =
        ": heartbeat\nevent: $heartbeat\ndata: {}\n\n".getBytes(StandardCharsets.US_ASCII);

    private static final String RETRY_HINT = "retry-after-ms=";

    private static final byte[] PREAMBLE = "retry: 1000\n: connected\n\n".getBytes(StandardCharsets.US_ASCII);

    private final UnsafeBuffer writeBuffer = new UnsafeBuffer(0, 0);
    private final ChannelListener<StreamSinkChannel> writeListener = channel -> writeOut();
    private final HttpServerExchange exchange;
    private final StreamSinkChannel sink;
    private final EdgeCounters counters;
    private final GzipEventStream gzip;

    // IO thread state
    private PooledByteBuffer pending;
    private int writeLength;
    private int writeEvents;
    private long drainTimestampNs;
    private long writes;
    private long eventsSent;

    SseSession(
        final long sessionId,
        final HttpServerExchange exchange,
        final IoThreadFlusher flusher,
        final StreamSinkChannel sink,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options,
        final EdgeCounters counters,
        final GzipEventStream gzip)
    {
        super(sessionId, TRANSPORT, String.valueOf(exchange.getSourceAddress()), flusher,
            initialRingCapacity, ringCapacity, ringBytes, options);
        this.exchange = exchange;
        this.sink = sink;
        this.counters = counters;
        this.gzip = gzip;
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * Write the stream preamble (reconnect delay hint and a comment) so headers reach the client at once.
     */
    void open()
    {
        writeText(PREAMBLE);
    }

    /**
     * Write a fixed piece of the stream (preamble, heartbeat comment) as the one write in flight. IO thread.
     */
    private void writeText(final byte[] text)
    {
        final PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate();
        final ByteBuffer byteBuffer = pooled.getBuffer();
        byteBuffer.clear();
        byteBuffer.put(text).flip();
        writeEvents = 0;
        pending = compressed(pooled);
        writeOut();
    }

    /**
     * The text in {@code plain} (position 0 to limit) as the stream sends it: as it is, or gzip-deflated into a
     * second pooled buffer (then {@code plain} goes back to the pool). Sets {@link #writeLength}.
     */
    private PooledByteBuffer compressed(final PooledByteBuffer plain)
    {
        if (null == gzip)
        {
            writeLength = plain.getBuffer().remaining();
            return plain;
        }
        final PooledByteBuffer out = exchange.getConnection().getByteBufferPool().allocate();
        final ByteBuffer outBuffer = out.getBuffer();
        outBuffer.clear();
        gzip.compress(plain.getBuffer(), outBuffer);
        plain.close();
        outBuffer.flip();
        writeLength = outBuffer.remaining();
        return out;
    }

    protected void drain()
    {
        if (null != pending || closed)
        {
            return;
        }
        onProgress();
        final PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate();
        final ByteBuffer byteBuffer = pooled.getBuffer();
        byteBuffer.clear();
        // compressed text needs room to grow a little when it does not compress
        writeBuffer.wrap(byteBuffer, 0, byteBuffer.capacity() - (null == gzip ? 0 : GzipEventStream.MAX_EXPANSION));
        writeLength = 0;
        writeEvents = 0;

        drainTimestampNs = flusher.epochClock().nanoTime();
        final boolean fellOut = !fill();
        flusher.latenciesRecorded();
        writeBuffer.wrap(NOTHING); // a view kept on a pooled buffer would keep it alive

        if (fellOut || 0 == writeLength)
        {
            pooled.close();
            if (fellOut)
            {
                fellOutOfSharedLog();
            }
            return;
        }
        byteBuffer.limit(writeLength).position(0);
        pending = compressed(pooled);
        writeOut();
    }

    /**
     * Fill the write buffer with what is waiting: the ring's messages, and within a shared-log segment the text
     * log's blocks of this connection's topics, in order, as much as fits.
     *
     * @return false if the connection's cursor fell out of the text log.
     */
    private boolean fill()
    {
        while (true)
        {
            final int before = writeLength;
            if (hasSharedLogGapToSend())
            {
                final long missed = sendSharedLogGap(this);
                if (0 == missed)
                {
                    return true; // the buffer is full: the gap goes first in the next write
                }
                counters.fanOut().gapNotices().increment(); // atomic: the fan-out counts its own too
                counters.fanOut().dropped().getAndAdd(missed);
            }
            else if (isInSharedLogSegment())
            {
                final int events = writeEvents;
                final int status = readSharedLog(this, this);
                if (SHARED_LOG_FELL_OUT == status)
                {
                    return false;
                }
                if (SHARED_LOG_DISCARD == status)
                {
                    writeLength = before; // the log's writer lapped what was read: a conflating stream skipped ahead
                    writeEvents = events;
                }
                if (isInSharedLogSegment())
                {
                    return true; // up to the newest block, or the buffer is full
                }
            }
            else
            {
                final OneToOneRingBuffer ring = ringForRead();
                if (null == ring)
                {
                    return true;
                }
                readAcrossWrap(ring, this);
                if (!isInSharedLogSegment() && writeLength == before)
                {
                    return true; // nothing more, or the buffer is full
                }
            }
        }
    }

    /**
     * A block of the text log (an event's SSE text, with its timestamp before it) into the write buffer. IO thread.
     */
    public boolean onSharedLogEvent(final long sequence, final DirectBuffer buffer, final int offset, final int length)
    {
        final int textLength = length - RecentEvents.TEXT_OFFSET;
        if (textLength < 0 || writeLength + textLength > writeBuffer.capacity())
        {
            return false;
        }
        writeBuffer.putBytes(writeLength, buffer, offset + RecentEvents.TEXT_OFFSET, textLength);
        writeLength += textLength;
        writeEvents++;
        writeLatency.record(drainTimestampNs - buffer.getLong(offset + RecentEvents.TEXT_TIMESTAMP_OFFSET));
        return true;
    }

    /**
     * A gap notice the cursor found in the shared log ({@code event: $gap}, as the fan-out writes one) into the
     * write buffer. IO thread.
     */
    public boolean onSharedLogGap(
        final int topic,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        final String name = sharedLogTopicName(topic);
        final String topicName = null == name ? String.valueOf(topic) : name;
        if (writeLength + maxGapLength(topicName) > writeBuffer.capacity())
        {
            return false;
        }
        writeLength += renderGap(
            writeBuffer, writeLength, topicName, fromSequence, toSequence, fromTopicSequence, toTopicSequence);
        return true;
    }

    private void fellOutOfSharedLog()
    {
        if (!claimFallOutOfSharedLog())
        {
            return; // the fan-out found it first and closes it
        }
        counters.fanOut().slowConsumerDisconnects().increment();
        closeOnIoThread(CloseCodes.TRY_AGAIN_LATER, "slow consumer: fell out of the edge's window of recent " +
            "events; reconnect (Last-Event-ID resumes it)");
    }

    public ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (isInSharedLogSegment())
        {
            endSharedLogSegment(msgTypeId, buffer, index);
            return Action.BREAK;
        }
        if (OutboundRingDescriptor.SHARED_LOG_FROM_MSG_TYPE_ID == msgTypeId)
        {
            startSharedLogSegment(buffer, index);
            return Action.BREAK;
        }
        final boolean event = OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId;
        final int textOffset = event ? OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET : 0;
        final int textLength = length - textOffset;
        if (writeLength + textLength > writeBuffer.capacity())
        {
            return Action.ABORT;
        }
        writeBuffer.putBytes(writeLength, buffer, index + textOffset, textLength);
        writeLength += textLength;
        if (event)
        {
            writeEvents++;
            writeLatency.record(
                drainTimestampNs - buffer.getLong(index + OutboundRingDescriptor.TEXT_EVENT_TIMESTAMP_OFFSET));
        }
        return Action.CONTINUE;
    }

    protected boolean canReadSharedLog()
    {
        return true;
    }

    public boolean reportsGapsInSharedLog()
    {
        return true;
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
        if (null == pending && !closed)
        {
            writeText(HEARTBEAT);
        }
    }

    protected void closeOnIoThread(final int code, final String reason)
    {
        LOG.info("sse close id={} remote={} buffered={} lastSequence={} reason=\"{}\"",
            sessionId(), remoteAddress(), bufferedBytes(), lastOfferedSequence(), reason);
        if (null == pending && !closed)
        {
            writeCloseNotice(code, reason);
        }
        closeConnection();
    }

    /**
     * Tell the client why, as WebSocket does with a close frame: {@code event: $close} with the same code and
     * reason, and for a drain ({@code retry-after-ms=N} in the reason) a {@code retry:} field, so even a bare
     * EventSource waits that long before it reconnects. Best effort: one non-blocking write, then the close.
     */
    private void writeCloseNotice(final int code, final String reason)
    {
        final StringBuilder text = new StringBuilder(96 + reason.length());
        final int hint = reason.indexOf(RETRY_HINT);
        if (hint >= 0)
        {
            int end = hint + RETRY_HINT.length();
            while (end < reason.length() && Character.isDigit(reason.charAt(end)))
            {
                end++;
            }
            text.append("retry: ").append(reason, hint + RETRY_HINT.length(), end).append('\n');
        }
        text.append("event: $close\ndata: {\"code\":").append(code)
            .append(",\"reason\":\"").append(Json.escape(reason)).append("\"}\n\n");
        try
        {
            final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            if (null == gzip)
            {
                sink.write(ByteBuffer.wrap(bytes));
            }
            else
            {
                final ByteBuffer out = ByteBuffer.allocate(bytes.length + 2 * GzipEventStream.MAX_EXPANSION);
                gzip.compress(ByteBuffer.wrap(bytes), out);
                gzip.finish(out); // the client sees a whole gzip member: nothing more follows
                sink.write(out.flip());
            }
            sink.flush();
        }
        catch (final IOException ignore)
        {
            // closing anyway
        }
    }

    private void writeOut()
    {
        try
        {
            final ByteBuffer byteBuffer = pending.getBuffer();
            while (byteBuffer.hasRemaining())
            {
                if (sink.write(byteBuffer) == 0)
                {
                    awaitWritable();
                    return;
                }
            }
            if (!sink.flush())
            {
                awaitWritable();
                return;
            }
            sink.suspendWrites();
            pending.close();
            pending = null;
            writes++;
            eventsSent += writeEvents;
            flusher.countWritten(1, writeLength); // on the wire: compressed when gzip
            drain();
        }
        catch (final IOException ex)
        {
            closeConnection();
        }
    }

    private void awaitWritable()
    {
        sink.getWriteSetter().set(writeListener);
        sink.resumeWrites();
    }

    void closeConnection()
    {
        closed = true;
        IoUtils.safeClose(exchange.getConnection());
    }

    void onConnectionClosed()
    {
        closed = true;
        if (null != pending)
        {
            pending.close();
            pending = null;
        }
        if (null != gzip)
        {
            gzip.close();
        }
        LOG.info("sse closed id={} remote={} writes={} events={} lastSequence={}",
            sessionId(), remoteAddress(), writes, eventsSent, lastOfferedSequence());
    }
}
