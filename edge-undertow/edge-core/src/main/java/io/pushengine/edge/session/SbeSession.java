package io.pushengine.edge.session;

import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.ErrorEncoder;
import io.pushengine.codec.sbe.GapEncoder;
import io.pushengine.codec.sbe.HeartbeatEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PublishedEncoder;
import io.pushengine.codec.sbe.ResumedEncoder;
import io.pushengine.codec.sbe.SnapshotBeginEncoder;
import io.pushengine.codec.sbe.SnapshotEndEncoder;
import io.pushengine.codec.sbe.SubscribedEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.sbe.MessageEncoderFlyweight;

import java.nio.charset.StandardCharsets;

/**
 * A connection whose wire form is the binary SBE protocol (the WebSocket transport, or an embedder's own): the
 * fan-out side of it, which queues every message already encoded in the ring, so the transport's IO side only
 * frames and writes what it reads there. In the ring:
 * <ul>
 *   <li>{@link OutboundRingDescriptor#EVENT_MSG_TYPE_ID}: an {@code Event} body without a message header (one
 *       {@code Batch.events} entry; decode it with {@code EventDecoder} at its own block length and schema version),
 *       exactly as the engine sent it (encoded once per edge, copied here);</li>
 *   <li>{@link OutboundRingDescriptor#CONTROL_MSG_TYPE_ID}: any other message with its header ({@code Subscribed},
 *       {@code Gap}, {@code Resumed}, {@code SnapshotBegin}/{@code End}, {@code Published}, {@code Error});</li>
 *   <li>{@code SHARED_LOG_*} markers only if the subclass reads the shared log ({@link #canReadSharedLog()}).</li>
 * </ul>
 * Heartbeats do not go through the ring: {@link #sendHeartbeat} builds one on the IO thread.
 * <p>
 * Threading: the {@code offer*} methods and their encoders belong to the fan-out thread.
 */
public abstract class SbeSession extends ClientSession
{
    /**
     * Encoders are pointed here after use: an SBE flyweight keeps a reference to the buffer it last wrapped, which
     * would keep a released ring alive for as long as the connection.
     */
    private static final UnsafeBuffer NOTHING = new UnsafeBuffer(new byte[0]);

    private static final ThreadLocal<Encoders> ENCODERS = ThreadLocal.withInitial(Encoders::new);

    /**
     * The SBE encoders of one thread: every connection's control messages are encoded by the fan-out thread (the
     * {@code offer*} contract) and its heartbeats by its IO thread, one message at a time, so a set per thread
     * serves every connection (a set per connection was nine flyweights, ~250 bytes of every idle connection).
     * Each encoder is pointed at {@link #NOTHING} after use, as before.
     */
    protected static final class Encoders
    {
        private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        private final SubscribedEncoder subscribedEncoder = new SubscribedEncoder();
        private final GapEncoder gapEncoder = new GapEncoder();
        private final ResumedEncoder resumedEncoder = new ResumedEncoder();
        private final SnapshotBeginEncoder snapshotBeginEncoder = new SnapshotBeginEncoder();
        private final SnapshotEndEncoder snapshotEndEncoder = new SnapshotEndEncoder();
        private final PublishedEncoder publishedEncoder = new PublishedEncoder();
        private final ErrorEncoder errorEncoder = new ErrorEncoder();
        private final HeartbeatEncoder heartbeatEncoder = new HeartbeatEncoder();

        /**
         * Encode a {@code Heartbeat} with its header at {@code offset}. IO thread.
         *
         * @return its length with the header.
         */
        public int encodeHeartbeat(
            final UnsafeBuffer buffer, final int offset, final long timestampNs, final long lastGlobalSequence)
        {
            heartbeatEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
                .timestampNs(timestampNs)
                .lastGlobalSequence(lastGlobalSequence);
            heartbeatEncoder.wrap(NOTHING, 0);
            headerEncoder.wrap(NOTHING, 0);
            return MessageHeaderEncoder.ENCODED_LENGTH + HeartbeatEncoder.BLOCK_LENGTH;
        }

        /**
         * Encode a {@code Gap} with its header at {@code offset}: what a connection's IO thread found missed in the
         * shared log. IO thread.
         *
         * @return its length with the header.
         */
        public int encodeGap(
            final UnsafeBuffer buffer,
            final int offset,
            final int topic,
            final long fromSequence,
            final long toSequence,
            final long fromTopicSequence,
            final long toTopicSequence)
        {
            gapEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
                .topic(topic)
                .fromSequence(fromSequence)
                .toSequence(toSequence)
                .fromTopicSequence(fromTopicSequence)
                .toTopicSequence(toTopicSequence);
            gapEncoder.wrap(NOTHING, 0);
            headerEncoder.wrap(NOTHING, 0);
            return MessageHeaderEncoder.ENCODED_LENGTH + GapEncoder.BLOCK_LENGTH;
        }
    }

    /**
     * The calling thread's encoders.
     */
    protected static Encoders threadEncoders()
    {
        return ENCODERS.get();
    }

    protected SbeSession(
        final long sessionId,
        final String transport,
        final String remoteAddress,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options)
    {
        super(sessionId, transport, remoteAddress, flusher, initialRingCapacity, ringCapacity, ringBytes, options);
    }

    public boolean offerEvent(final EncodedEvent event)
    {
        return write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, event.body(), 0, event.body().capacity());
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
        final int index = claimControl(SubscribedEncoder.BLOCK_LENGTH + SubscribedEncoder.topicNameHeaderLength() +
            topicName.length());
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.subscribedEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .correlationId(correlationId)
            .topic(topic)
            .topicSequence(topicSequence)
            .topicName(topicName);
        return commitControl(index, encoders.subscribedEncoder, encoders.headerEncoder);
    }

    public boolean offerGap(
        final int topic,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        final int index = claimControl(GapEncoder.BLOCK_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.gapEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .topic(topic)
            .fromSequence(fromSequence)
            .toSequence(toSequence)
            .fromTopicSequence(fromTopicSequence)
            .toTopicSequence(toTopicSequence);
        return commitControl(index, encoders.gapEncoder, encoders.headerEncoder);
    }

    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        final int index = claimControl(ResumedEncoder.BLOCK_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.resumedEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .fromSequence(fromSequence)
            .toSequence(toSequence)
            .complete((short)(complete ? 1 : 0))
            .oldestRetained(oldestRetained);
        return commitControl(index, encoders.resumedEncoder, encoders.headerEncoder);
    }

    public boolean offerSnapshotBegin(final long correlationId)
    {
        final int index = claimControl(SnapshotBeginEncoder.BLOCK_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.snapshotBeginEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .correlationId(correlationId);
        return commitControl(index, encoders.snapshotBeginEncoder, encoders.headerEncoder);
    }

    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        final int index = claimControl(SnapshotEndEncoder.BLOCK_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.snapshotEndEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .correlationId(correlationId)
            .asOfSequence(asOfSequence)
            .valueCount(valueCount);
        return commitControl(index, encoders.snapshotEndEncoder, encoders.headerEncoder);
    }

    public boolean offerPublished(
        final long clientCorrelationId, final long globalSequence, final int topic, final long topicSequence)
    {
        final int index = claimControl(PublishedEncoder.BLOCK_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.publishedEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .correlationId(clientCorrelationId)
            .globalSequence(globalSequence)
            .topic(topic)
            .topicSequence(topicSequence);
        return commitControl(index, encoders.publishedEncoder, encoders.headerEncoder);
    }

    public boolean offerPublishFailed(final long clientCorrelationId, final String reason)
    {
        final byte[] reasonBytes = reason.getBytes(StandardCharsets.UTF_8); // failures only
        final int index = claimControl(
            ErrorEncoder.BLOCK_LENGTH + ErrorEncoder.reasonHeaderLength() + reasonBytes.length);
        if (index <= 0)
        {
            return false;
        }
        final Encoders encoders = ENCODERS.get();
        encoders.errorEncoder.wrapAndApplyHeader(ringInUse().buffer(), index, encoders.headerEncoder)
            .code(ErrorCode.PUBLISH_FAILED)
            .correlationId(clientCorrelationId)
            .putReason(reasonBytes, 0, reasonBytes.length);
        return commitControl(index, encoders.errorEncoder, encoders.headerEncoder);
    }

    /**
     * Claim a control message of {@code bodyLength} bytes after its header. Fan-out thread.
     *
     * @return the index in {@link #ringInUse()}'s buffer, or {@code <= 0} if it does not fit.
     */
    private int claimControl(final int bodyLength)
    {
        return claim(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
    }

    /**
     * Commit what {@code encoder} wrote at {@code index} and let go of the ring's buffer.
     */
    private boolean commitControl(
        final int index, final MessageEncoderFlyweight encoder, final MessageHeaderEncoder headerEncoder)
    {
        ringInUse().commit(index);
        encoder.wrap(NOTHING, 0);
        headerEncoder.wrap(NOTHING, 0);
        return true;
    }
}
