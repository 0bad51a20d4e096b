package io.pushengine.edge.websocket;

import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.GapEncoder;
import io.pushengine.codec.sbe.HeartbeatEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.ResumedEncoder;
import io.pushengine.codec.sbe.SnapshotBeginEncoder;
import io.pushengine.codec.sbe.SnapshotEndEncoder;
import io.pushengine.codec.sbe.SubscribedEncoder;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
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
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection. Outbound: the IO thread drains the ring into one binary frame at a time, a {@code Batch}
 * of every event waiting (up to the frame size), or a control message on its own; the next frame is built only
 * when Undertow reports the previous one written, so nothing queues inside Undertow.
 */
final class WebSocketSession extends ClientSession implements ControlledMessageHandler, WebSocketCallback<Void>
{
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSession.class);
    private static final int SEQUENCE_OFFSET = EventDecoder.globalSequenceEncodingOffset();
    private static final long CLOSE_GRACE_MS = 5_000;
    /**
     * Encoders and views are pointed here after use: an SBE flyweight keeps a reference to the buffer it last
     * wrapped, which would keep a released ring or a pooled buffer alive for as long as the connection.
     */
    private static final UnsafeBuffer NOTHING = new UnsafeBuffer(new byte[0]);

    private final MessageHeaderEncoder fanOutHeaderEncoder = new MessageHeaderEncoder();
    private final SubscribedEncoder subscribedEncoder = new SubscribedEncoder();
    private final GapEncoder gapEncoder = new GapEncoder();
    private final ResumedEncoder resumedEncoder = new ResumedEncoder();
    private final SnapshotBeginEncoder snapshotBeginEncoder = new SnapshotBeginEncoder();
    private final SnapshotEndEncoder snapshotEndEncoder = new SnapshotEndEncoder();
    private final MessageHeaderEncoder ioHeaderEncoder = new MessageHeaderEncoder();
    private final HeartbeatEncoder heartbeatEncoder = new HeartbeatEncoder();
    private final BatchFrameBuilder batchBuilder = new BatchFrameBuilder();
    private final UnsafeBuffer frameBuffer = new UnsafeBuffer(0, 0);
    private final WebSocketChannel channel;
    private final EdgeCounters counters;
    private final EpochNanoClock epochClock;

    // IO thread state
    private XnioExecutor.Key pingTimer;
    private long lastPeerActivityNs = System.nanoTime();
    private long silenceLimitNs;
    private boolean inFlight;
    private boolean closing;
    private boolean batching;
    private int controlLength;
    private int frameLength;
    private int eventsInFrame;
    private long framesSent;
    private long eventsSent;
    private long lastSentSequence;

    WebSocketSession(
        final long sessionId,
        final WebSocketChannel channel,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options,
        final EdgeCounters counters,
        final EpochNanoClock epochClock)
    {
        super(sessionId, "websocket", String.valueOf(channel.getSourceAddress()), channel.getIoThread(),
            initialRingCapacity, ringCapacity, ringBytes, options);
        this.channel = channel;
        this.counters = counters;
        this.epochClock = epochClock;
    }

    // ---------------------------------------------------------------- fan-out thread

    public boolean offerEvent(final EncodedEvent event)
    {
        return write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, event.body(), 0, event.body().capacity());
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + SubscribedEncoder.BLOCK_LENGTH +
            SubscribedEncoder.topicNameHeaderLength() + topicName.length();
        final int index = claim(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringInUse();
        subscribedEncoder.wrapAndApplyHeader(ring.buffer(), index, fanOutHeaderEncoder)
            .correlationId(correlationId)
            .topic(topic)
            .topicSequence(topicSequence)
            .topicName(topicName);
        ring.commit(index);
        subscribedEncoder.wrap(NOTHING, 0);
        fanOutHeaderEncoder.wrap(NOTHING, 0);
        return true;
    }

    public boolean offerGap(
        final int topic,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + GapEncoder.BLOCK_LENGTH;
        final int index = claim(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringInUse();
        gapEncoder.wrapAndApplyHeader(ring.buffer(), index, fanOutHeaderEncoder)
            .topic(topic)
            .fromSequence(fromSequence)
            .toSequence(toSequence)
            .fromTopicSequence(fromTopicSequence)
            .toTopicSequence(toTopicSequence);
        ring.commit(index);
        gapEncoder.wrap(NOTHING, 0);
        fanOutHeaderEncoder.wrap(NOTHING, 0);
        return true;
    }

    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + ResumedEncoder.BLOCK_LENGTH;
        final int index = claim(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringInUse();
        resumedEncoder.wrapAndApplyHeader(ring.buffer(), index, fanOutHeaderEncoder)
            .fromSequence(fromSequence)
            .toSequence(toSequence)
            .complete((short)(complete ? 1 : 0))
            .oldestRetained(oldestRetained);
        ring.commit(index);
        resumedEncoder.wrap(NOTHING, 0);
        fanOutHeaderEncoder.wrap(NOTHING, 0);
        return true;
    }

    public boolean offerSnapshotBegin(final long correlationId)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + SnapshotBeginEncoder.BLOCK_LENGTH;
        final int index = claim(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringInUse();
        snapshotBeginEncoder.wrapAndApplyHeader(ring.buffer(), index, fanOutHeaderEncoder).correlationId(correlationId);
        ring.commit(index);
        snapshotBeginEncoder.wrap(NOTHING, 0);
        fanOutHeaderEncoder.wrap(NOTHING, 0);
        return true;
    }

    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + SnapshotEndEncoder.BLOCK_LENGTH;
        final int index = claim(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final OneToOneRingBuffer ring = ringInUse();
        snapshotEndEncoder.wrapAndApplyHeader(ring.buffer(), index, fanOutHeaderEncoder)
            .correlationId(correlationId)
            .asOfSequence(asOfSequence)
            .valueCount(valueCount);
        ring.commit(index);
        snapshotEndEncoder.wrap(NOTHING, 0);
        fanOutHeaderEncoder.wrap(NOTHING, 0);
        return true;
    }

    // ---------------------------------------------------------------- IO thread

    protected void drain()
    {
        if (inFlight || closing)
        {
            return;
        }
        onProgress();
        final OneToOneRingBuffer ring = ringForRead();
        if (null == ring)
        {
            return;
        }

        final PooledByteBuffer pooled = channel.getBufferPool().allocate();
        final ByteBuffer byteBuffer = pooled.getBuffer();
        byteBuffer.clear();
        frameBuffer.wrap(byteBuffer);
        batching = false;
        controlLength = 0;
        eventsInFrame = 0;

        readAcrossWrap(ring, this);

        frameLength = batching ? batchBuilder.finish() : controlLength;
        frameBuffer.wrap(NOTHING);
        if (0 == frameLength)
        {
            pooled.close();
            return;
        }

        byteBuffer.limit(frameLength).position(0);
        inFlight = true;
        WebSockets.sendBinary(pooled, channel, this);
    }

    public ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId)
        {
            if (controlLength > 0)
            {
                return Action.ABORT;
            }
            if (!batching)
            {
                batchBuilder.begin(frameBuffer, 0, frameBuffer.capacity(), epochClock.nanoTime());
                batching = true;
            }
            if (!batchBuilder.tryAppendEventBody(buffer, index, length))
            {
                return Action.ABORT;
            }
            eventsInFrame++;
            lastSentSequence = buffer.getLong(index + SEQUENCE_OFFSET);
            return Action.CONTINUE;
        }

        if (batching)
        {
            return Action.ABORT;
        }
        frameBuffer.putBytes(0, buffer, index, length);
        controlLength = length;
        return Action.BREAK;
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
        if (inFlight || closing)
        {
            return;
        }
        final PooledByteBuffer pooled = channel.getBufferPool().allocate();
        final ByteBuffer byteBuffer = pooled.getBuffer();
        byteBuffer.clear();
        frameBuffer.wrap(byteBuffer);
        heartbeatEncoder.wrapAndApplyHeader(frameBuffer, 0, ioHeaderEncoder)
            .timestampNs(timestampNs)
            .lastGlobalSequence(lastGlobalSequence);
        frameLength = MessageHeaderEncoder.ENCODED_LENGTH + HeartbeatEncoder.BLOCK_LENGTH;
        frameBuffer.wrap(NOTHING);
        eventsInFrame = 0;
        byteBuffer.limit(frameLength).position(0);
        inFlight = true;
        WebSockets.sendBinary(pooled, channel, this);
    }

    protected void closeOnIoThread(final int code, final String reason)
    {
        close(code, reason);
    }

    public void complete(final WebSocketChannel channel, final Void context)
    {
        inFlight = false;
        framesSent++;
        eventsSent += eventsInFrame;
        counters.framesOut().increment();
        counters.bytesOut().getAndAdd(frameLength);
        drain();
    }

    public void onError(final WebSocketChannel channel, final Void context, final Throwable throwable)
    {
        inFlight = false;
        IoUtils.safeClose(channel);
    }

    /**
     * Ping every {@code intervalMs}; a peer silent for {@code intervalMs + timeoutMs} (no pong, no frame) is dead:
     * its connection is closed at once (1001) and counted. IO thread.
     */
    void startPinging(final long intervalMs, final long timeoutMs)
    {
        silenceLimitNs = TimeUnit.MILLISECONDS.toNanos(intervalMs + timeoutMs);
        pingTimer = ioThread.executeAtInterval(this::onPingTimer, intervalMs, TimeUnit.MILLISECONDS);
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
            close(WebSocketCloseCodes.GOING_AWAY, "no pong within " +
                TimeUnit.NANOSECONDS.toMillis(silenceLimitNs) + " ms: connection presumed dead");
            IoUtils.safeClose(channel);
            return;
        }
        counters.pingsSent().increment();
        WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
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
        WebSockets.sendClose(code, reason, channel, null);
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
        WebSockets.sendBinary(
            ByteBuffer.wrap(buffer.byteArray(), 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength), channel, null);
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
        LOG.info("ws closed id={} remote={} code={} frames={} events={} lastSequence={}",
            sessionId(), remoteAddress(), channel.getCloseCode(), framesSent, eventsSent, lastSentSequence);
    }
}
