package io.pushengine.edge.websocket;

import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.ErrorEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PublishedEncoder;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.session.SbeSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlusher;
import org.agrona.DirectBuffer;
import java.nio.charset.StandardCharsets;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.undertow.websockets.core.WebSocketChannel;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection: an {@link SbeSession} (the fan-out queues SBE messages in its ring) whose IO side frames
 * them for the socket. Outbound: the IO thread turns everything waiting in the ring into binary frames (a
 * {@code Batch} of events up to 16 KiB, a control message on its own) and writes them to the socket in one call
 * through {@link WebSocketSocketWriter}; nothing more is built while the socket has not taken the last write, so
 * nothing queues beyond the ring and what one write holds.
 */
public final class WebSocketSession extends SbeSession
    implements ControlledMessageHandler, ClientSession.SharedLogEventHandler, ClientSession.SharedLogGapHandler
{
    /**
     * The {@code transport} label of its sessions (logs, latency histograms).
     */
    public static final String TRANSPORT = "websocket";

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSession.class);
    private static final int SEQUENCE_OFFSET = EventDecoder.globalSequenceEncodingOffset();
    private static final int TIMESTAMP_OFFSET = EventDecoder.timestampNsEncodingOffset();
    private static final long CLOSE_GRACE_MS = 5_000;
    /**
     * A {@code Batch} frame carries events up to this many bytes (one larger event goes alone); a drain builds
     * frames while the scratch has room for one more of this size.
     */
    private static final int MAX_PAYLOAD_LENGTH = 16 * 1024;
    private static final int MAX_FRAME_LENGTH = WebSocketFrames.MAX_HEADER_LENGTH + MAX_PAYLOAD_LENGTH;
    private static final byte[] PING_FRAME = WebSocketFrames.frame(WebSocketFrames.OPCODE_PING, new byte[0], 0);
    private static final int TEMPLATE_ID_OFFSET = 2;
    /**
     * A connection's {@code Publish} messages awaiting the engine's answer, at most: their answers (44 bytes each in
     * the ring) fit the default 64 KiB ring with room to spare. Beyond it a Publish is refused with LIMIT_EXCEEDED.
     */
    static final int MAX_PUBLISHES_IN_FLIGHT = 1024;

    private final BatchFrameBuilder batchBuilder; // the IO thread's: frames are built one connection at a time
    private final WebSocketChannel channel;
    private final WebSocketSocketWriter writer;
    private final EdgeCounters counters;
    private final EpochNanoClock epochClock;
    private final WebSocketDeflater deflater;

    // IO thread state
    private XnioExecutor.Key pingTimer;
    private long lastPeerActivityNs = System.nanoTime();
    private long silenceLimitNs;
    private boolean closing;
    private boolean batching;
    private int payloadOffset;
    private long frameTimestampNs;
    private int controlLength;
    private int publishesInFlight;
    private long lastPublishAnswerNs;
    private int eventsInFrame;
    private long framesSent;
    private long eventsSent;
    private long lastSentSequence;

    WebSocketSession(
        final long sessionId,
        final WebSocketChannel channel,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options,
        final EdgeCounters counters,
        final EpochNanoClock epochClock,
        final WebSocketDeflater deflater)
    {
        super(sessionId, TRANSPORT, String.valueOf(channel.getSourceAddress()), flusher,
            initialRingCapacity, ringCapacity, ringBytes, options);
        this.channel = channel;
        this.writer = new WebSocketSocketWriter(channel, this::onSocketDrained, this::onSocketFailed);
        this.batchBuilder = flusher.batchBuilder();
        this.counters = counters;
        this.epochClock = epochClock;
        this.deflater = deflater;
    }

    /**
     * How far into the scratch frames may be built: all of it, or with compression the part that leaves room for
     * frames that grow when deflated.
     */
    private int frameLimit(final UnsafeBuffer scratch)
    {
        return null == deflater ? scratch.capacity() :
            scratch.capacity() - WebSocketDeflater.maxGrowth(scratch.capacity());
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * Everything waiting in the rings, as frames built in the IO thread's scratch buffer ({@code Batch} frames of
     * as many events as fit, a control message alone in its frame), written in one call; again while the rings
     * hold more than one call's worth. What the socket does not take is kept by the writer, and nothing more is
     * built until it has gone: under load, events pile up in the ring meanwhile and leave together in the next
     * call (natural batching: the busier the connection, the more each write carries).
     */
    protected void drain()
    {
        if (closing || writer.hasPending())
        {
            return;
        }
        onProgress();
        writeFrames();
        flusher.latenciesRecorded(); // of a frame dropped unwritten; those written were counted with their write
    }

    private void writeFrames()
    {
        final UnsafeBuffer scratch = flusher.scratch();
        final ByteBuffer scratchBytes = flusher.scratchByteBuffer();
        final long sentTimestampNs = epochClock.nanoTime();
        final int limit = frameLimit(scratch);
        while (true)
        {
            final long framesBefore = framesSent;
            int position = 0;
            while (limit - position >= MAX_FRAME_LENGTH)
            {
                final int frameLength;
                if (hasSharedLogGapToSend())
                {
                    frameLength = buildSharedLogGapFrame(scratch, position, sentTimestampNs);
                }
                else if (isInSharedLogSegment())
                {
                    frameLength = buildSharedLogFrame(scratch, position, sentTimestampNs);
                    if (frameLength < 0)
                    {
                        fellOutOfSharedLog();
                        return;
                    }
                    if (0 == frameLength && isInSharedLogSegment())
                    {
                        break; // read up to the newest event in the log
                    }
                }
                else
                {
                    final OneToOneRingBuffer ring = ringForRead();
                    if (null == ring)
                    {
                        break;
                    }
                    frameLength = buildFrame(ring, scratch, position, sentTimestampNs);
                    if (0 == frameLength && !isInSharedLogSegment())
                    {
                        break;
                    }
                }
                position += frameLength;
            }
            if (0 == position)
            {
                return;
            }
            flusher.countWritten((int)(framesSent - framesBefore), position); // to the counters once per slice
            scratchBytes.limit(position).position(0);
            if (!writer.write(scratchBytes))
            {
                return; // the writer kept the rest; it calls drain() again once the socket has taken it
            }
        }
    }

    /**
     * One frame at {@code frameStart}: a {@code Batch} of the events at the head of the ring, or the control
     * message there (or nothing, when the head starts a shared-log segment).
     *
     * @return the frame's length, 0 if the ring had nothing for a frame.
     */
    private int buildFrame(
        final OneToOneRingBuffer ring, final UnsafeBuffer scratch, final int frameStart, final long sentTimestampNs)
    {
        startFrame(frameStart, sentTimestampNs);
        readAcrossWrap(ring, this);
        return finishFrame(scratch, frameStart);
    }

    /**
     * One frame at {@code frameStart} of the events of this connection's topics in the shared log, from its cursor
     * up to the newest event or the segment's end ({@link #readSharedLog}).
     *
     * @return the frame's length, 0 if there was nothing for this connection (or what was read was lapped: a
     * conflating connection skipped ahead), -1 if the cursor fell out of the log.
     */
    private int buildSharedLogFrame(final UnsafeBuffer scratch, final int frameStart, final long sentTimestampNs)
    {
        startFrame(frameStart, sentTimestampNs);
        final long lastSentBefore = lastSentSequence;
        final int status = readSharedLog(this, this);
        if (SHARED_LOG_FELL_OUT == status)
        {
            return -1;
        }
        if (SHARED_LOG_DISCARD == status)
        {
            lastSentSequence = lastSentBefore; // the frame is dropped unfinished: the log's writer lapped its events
            return 0;
        }
        return finishFrame(scratch, frameStart);
    }

    /**
     * One frame at {@code frameStart}: the next {@code Gap} notice found when the cursor was lapped in a dropping
     * segment, counted as a gap notice and its events as dropped (both atomic: the fan-out counts its own too).
     */
    private int buildSharedLogGapFrame(final UnsafeBuffer scratch, final int frameStart, final long sentTimestampNs)
    {
        startFrame(frameStart, sentTimestampNs);
        final long missed = sendSharedLogGap(this);
        if (0 == missed)
        {
            return 0;
        }
        counters.fanOut().gapNotices().increment();
        counters.fanOut().dropped().getAndAdd(missed);
        return finishFrame(scratch, frameStart);
    }

    /**
     * A {@code Gap} notice the cursor found in the shared log, as the frame's one message. IO thread.
     */
    public boolean onSharedLogGap(
        final int topic,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        controlLength = threadEncoders().encodeGap(
            flusher.scratch(), payloadOffset, topic, fromSequence, toSequence, fromTopicSequence, toTopicSequence);
        return true;
    }

    /**
     * An event of the shared log (an SBE message with its header) into the {@code Batch} frame being built. IO thread.
     */
    public boolean onSharedLogEvent(final long sequence, final DirectBuffer buffer, final int offset, final int length)
    {
        final int eventLength = length - MessageHeaderEncoder.ENCODED_LENGTH;
        if (eventLength < 0 ||
            !appendEvent(flusher.scratch(), buffer, offset + MessageHeaderEncoder.ENCODED_LENGTH, eventLength))
        {
            return false;
        }
        if (sequence > lastSentSequence)
        {
            lastSentSequence = sequence; // a throttled value released behind the cursor is older than what went
        }
        return true;
    }

    private void fellOutOfSharedLog()
    {
        if (!claimFallOutOfSharedLog())
        {
            return; // the fan-out found it first and closes it
        }
        counters.fanOut().slowConsumerDisconnects().increment();
        close(CloseCodes.TRY_AGAIN_LATER, "slow consumer: fell out of the edge's window of recent events; " +
            "reconnect with from=" + lastSentSequence);
    }

    private void startFrame(final int frameStart, final long sentTimestampNs)
    {
        payloadOffset = frameStart + WebSocketFrames.MAX_HEADER_LENGTH;
        frameTimestampNs = sentTimestampNs;
        batching = false;
        controlLength = 0;
        eventsInFrame = 0;
    }

    private int finishFrame(final UnsafeBuffer scratch, final int frameStart)
    {
        final int payloadLength = batching ? (eventsInFrame > 0 ? batchBuilder.finish() : 0) : controlLength;
        if (0 == payloadLength)
        {
            return 0;
        }
        framesSent++;
        eventsSent += eventsInFrame;
        if (null != deflater)
        {
            return finishCompressedFrame(scratch, frameStart, payloadLength);
        }
        return WebSocketFrames.finishFrame(scratch, frameStart, WebSocketFrames.OPCODE_BINARY, payloadLength);
    }

    /**
     * Deflate the payload built at {@code frameStart + MAX_HEADER_LENGTH} through the IO thread's compression
     * scratch, and put it back as one compressed frame (RSV1) at {@code frameStart}: the frame builder left room
     * for a payload that grows.
     */
    private int finishCompressedFrame(final UnsafeBuffer scratch, final int frameStart, final int payloadLength)
    {
        final ByteBuffer in = flusher.scratchByteBuffer();
        final int payloadStart = frameStart + WebSocketFrames.MAX_HEADER_LENGTH;
        in.limit(payloadStart + payloadLength).position(payloadStart); // set again for the write
        final ByteBuffer out = flusher.compressionScratch().clear();
        final int compressedLength = deflater.compress(in, out);
        final int headerLength = WebSocketFrames.putHeader(
            scratch, frameStart, WebSocketFrames.RSV1 | WebSocketFrames.OPCODE_BINARY, compressedLength);
        scratch.putBytes(frameStart + headerLength, out, 0, compressedLength);
        return headerLength + compressedLength;
    }

    /**
     * Add an event body to the {@code Batch} frame being built, starting it if need be.
     *
     * @return false if it does not fit: the frame ends before it.
     */
    private boolean appendEvent(
        final UnsafeBuffer scratch, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!batching)
        {
            batchBuilder.begin(scratch, payloadOffset, MAX_PAYLOAD_LENGTH, frameTimestampNs);
            batching = true;
        }
        if (!batchBuilder.tryAppendEventBody(buffer, offset, length))
        {
            if (eventsInFrame > 0)
            {
                return false;
            }
            // an event larger than a usual frame goes alone, in as much of the scratch as is left (all of it
            // when the frame is the first: the scratch is sized for the largest event a ring can hold)
            batchBuilder.begin(scratch, payloadOffset,
                frameLimit(scratch) - payloadOffset - WebSocketFrames.LONG_HEADER_GROWTH, frameTimestampNs);
            if (!batchBuilder.tryAppendEventBody(buffer, offset, length))
            {
                return false; // written next time, first in the scratch
            }
        }
        eventsInFrame++;
        writeLatency.record(frameTimestampNs - buffer.getLong(offset + TIMESTAMP_OFFSET, ByteOrder.LITTLE_ENDIAN));
        return true;
    }

    public ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (isInSharedLogSegment())
        {
            endSharedLogSegment(msgTypeId, buffer, index);
            return Action.BREAK;
        }
        final UnsafeBuffer scratch = flusher.scratch();
        switch (msgTypeId)
        {
            case OutboundRingDescriptor.EVENT_MSG_TYPE_ID:
                if (controlLength > 0 || !appendEvent(scratch, buffer, index, length))
                {
                    return Action.ABORT;
                }
                lastSentSequence = buffer.getLong(index + SEQUENCE_OFFSET);
                return Action.CONTINUE;

            case OutboundRingDescriptor.SHARED_LOG_FROM_MSG_TYPE_ID:
                if (batching || controlLength > 0)
                {
                    return Action.ABORT; // the frame being built ends first
                }
                startSharedLogSegment(buffer, index);
                return Action.BREAK;

            default:
                if (batching)
                {
                    return Action.ABORT;
                }
                if (isPublishAnswer(buffer, index))
                {
                    publishesInFlight--;
                    lastPublishAnswerNs = System.nanoTime();
                }
                scratch.putBytes(payloadOffset, buffer, index, length);
                controlLength = length;
                return Action.BREAK;
        }
    }

    private static boolean isPublishAnswer(final DirectBuffer buffer, final int index)
    {
        final int templateId = buffer.getShort(index + TEMPLATE_ID_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        return PublishedEncoder.TEMPLATE_ID == templateId || (ErrorEncoder.TEMPLATE_ID == templateId &&
            ErrorCode.PUBLISH_FAILED.value() == (buffer.getShort(index + MessageHeaderEncoder.ENCODED_LENGTH +
            ErrorEncoder.codeEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xFFFF));
    }

    /**
     * A {@code Publish} may be forwarded: fewer than {@link #MAX_PUBLISHES_IN_FLIGHT} of this connection's await
     * their answer (so the answers fit its ring), or the oldest has waited {@code timeoutNs} without any answer
     * coming (the engine lost them, e.g. it restarted: they may or may not be journaled, and no longer count).
     * Counts it in flight. IO thread.
     */
    boolean tryStartPublish(final long nowNs, final long timeoutNs)
    {
        if (publishesInFlight >= MAX_PUBLISHES_IN_FLIGHT)
        {
            if (nowNs - lastPublishAnswerNs < timeoutNs)
            {
                return false;
            }
            publishesInFlight = 0;
        }
        if (0 == publishesInFlight)
        {
            lastPublishAnswerNs = nowNs; // the timeout counts from the first of a run in flight
        }
        publishesInFlight++;
        return true;
    }

    /**
     * A publish counted by {@link #tryStartPublish} was not forwarded after all. IO thread.
     */
    void publishNotStarted()
    {
        publishesInFlight--;
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
        if (closing || writer.hasPending())
        {
            return;
        }
        final UnsafeBuffer scratch = flusher.scratch();
        final int messageLength = threadEncoders().encodeHeartbeat(
            scratch, WebSocketFrames.MAX_HEADER_LENGTH, timestampNs, lastGlobalSequence);
        final int frameLength = WebSocketFrames.finishFrame(scratch, 0, WebSocketFrames.OPCODE_BINARY, messageLength);
        framesSent++;
        flusher.countWritten(1, frameLength);
        final ByteBuffer scratchBytes = flusher.scratchByteBuffer();
        scratchBytes.limit(frameLength).position(0);
        writer.write(scratchBytes);
    }

    protected boolean canReadSharedLog()
    {
        return true;
    }

    public boolean reportsGapsInSharedLog()
    {
        return true;
    }

    protected void closeOnIoThread(final int code, final String reason)
    {
        close(code, reason);
    }

    /**
     * The socket took everything kept: build what has queued meanwhile. IO thread.
     */
    private void onSocketDrained()
    {
        if (!closed)
        {
            drain();
        }
    }

    private void onSocketFailed()
    {
        IoUtils.safeClose(channel);
    }

    /**
     * Ping every {@code intervalMs}; a peer silent for {@code intervalMs + timeoutMs} (no pong, no frame) is dead:
     * its connection is closed at once (1001) and counted. IO thread.
     */
    void startPinging(final long intervalMs, final long timeoutMs)
    {
        silenceLimitNs = TimeUnit.MILLISECONDS.toNanos(intervalMs + timeoutMs);
        pingTimer = channel.getIoThread().executeAtInterval(this::onPingTimer, intervalMs, TimeUnit.MILLISECONDS);
    }

    void onPeerActivity()
    {
        lastPeerActivityNs = System.nanoTime();
    }

    private void onPingTimer()
    {
        if (closing || closed)
        {
            return;
        }
        if (System.nanoTime() - lastPeerActivityNs > silenceLimitNs)
        {
            counters.pongTimeouts().increment();
            close(CloseCodes.GOING_AWAY, "no pong within " +
                TimeUnit.NANOSECONDS.toMillis(silenceLimitNs) + " ms: connection presumed dead");
            IoUtils.safeClose(channel);
            return;
        }
        counters.pingsSent().increment();
        writer.writeFrame(PING_FRAME);
    }

    /**
     * Send a close frame with a reason and stop sending events; force the TCP close if the peer does not answer.
     */
    void close(final int code, final String reason)
    {
        if (closing)
        {
            return;
        }
        closing = true;
        LOG.info("ws close-sent id={} remote={} code={} reason=\"{}\"", sessionId(), remoteAddress(), code, reason);
        writer.writeFrame(closeFrame(code, reason));
        channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Refuse one request with an {@code Error} message; the connection stays open.
     */
    void sendError(final ErrorCode code, final long correlationId, final String reason)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + 64 +
            reason.length() * 3]);
        final io.pushengine.codec.sbe.ErrorEncoder encoder = new io.pushengine.codec.sbe.ErrorEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .code(code)
            .correlationId(correlationId)
            .reason(reason);
        sendControl(buffer, encoder.encodedLength());
    }

    boolean isClosing()
    {
        return closing;
    }

    /**
     * A compressed client message inflated past the bound of what a client may send: 1009, counted.
     */
    void closeForInflatedSize(final int maxMessageLength)
    {
        counters.limitRejections().increment();
        close(1009, "a compressed message inflates to more than " + maxMessageLength + " bytes");
    }

    /**
     * Accept an {@code Authenticate}: say until when, and as whom.
     */
    void sendAuthenticated(final long correlationId, final long expiresAtMs, final String subject)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + 32 +
            subject.length() * 3]);
        final io.pushengine.codec.sbe.AuthenticatedEncoder encoder = new io.pushengine.codec.sbe.AuthenticatedEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .expiresAtMs(expiresAtMs)
            .subject(subject);
        sendControl(buffer, encoder.encodedLength());
    }

    /**
     * A control message straight from the IO thread (control path: allocates), beside the fan-out's frames.
     */
    private void sendControl(final UnsafeBuffer buffer, final int bodyLength)
    {
        if (!closing)
        {
            writer.writeFrame(WebSocketFrames.frame(WebSocketFrames.OPCODE_BINARY, buffer.byteArray(),
                MessageHeaderEncoder.ENCODED_LENGTH + bodyLength));
        }
    }

    /**
     * The peer pinged: pong with its payload. IO thread.
     */
    void onPing(final byte[] payload)
    {
        onPeerActivity();
        if (!closing)
        {
            writer.writeFrame(WebSocketFrames.frame(WebSocketFrames.OPCODE_PONG, payload, payload.length));
        }
    }

    /**
     * The peer sent a close frame: echo its code (RFC 6455 5.5.1) unless ours went first, then close the socket.
     */
    void onPeerClose(final int code)
    {
        if (!closing)
        {
            closing = true;
            writer.writeFrame(closeFrame(code, ""));
        }
        if (writer.hasPending())
        {
            channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
        }
        else
        {
            IoUtils.safeClose(channel);
        }
    }

    /**
     * A close frame: the code, then the reason in UTF-8 cut to the 123 bytes a control frame allows.
     */
    private static byte[] closeFrame(final int code, final String reason)
    {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int textLength = Math.min(text.length, 123);
        while (textLength > 0 && textLength < text.length && (text[textLength] & 0xC0) == 0x80)
        {
            textLength--; // do not cut a character in two
        }
        final byte[] payload = new byte[2 + textLength];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(text, 0, payload, 2, textLength);
        return WebSocketFrames.frame(WebSocketFrames.OPCODE_CLOSE, payload, payload.length);
    }

    WebSocketChannel channel()
    {
        return channel;
    }

    /**
     * The channel closed (either side). Counted and logged once.
     */
    void onChannelClosed()
    {
        closed = true;
        if (null != pingTimer)
        {
            pingTimer.remove();
        }
        if (null != deflater)
        {
            deflater.close();
        }
        LOG.info("ws closed id={} remote={} code={} frames={} events={} lastSequence={}",
            sessionId(), remoteAddress(), channel.getCloseCode(), framesSent, eventsSent, lastSentSequence);
    }
}
