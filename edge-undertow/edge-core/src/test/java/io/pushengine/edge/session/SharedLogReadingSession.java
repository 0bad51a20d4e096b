package io.pushengine.edge.session;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test double of a transport as WebSocket and SSE read: the ring outside a segment (or for its end), the log by
 * cursor inside; events from either are recorded by global sequence (ring copies are {@code Event} bodies). What a
 * read of the log returns to be discarded (lapped) is taken back out, as a transport drops the frame it built.
 */
public final class SharedLogReadingSession extends ClientSession
    implements ControlledMessageHandler, ClientSession.SharedLogEventHandler, ClientSession.SharedLogGapHandler
{
    public final List<Long> fromLog = new ArrayList<>();
    public final List<Long> fromRing = new ArrayList<>();
    /**
     * Everything sent, in order: "log 5", "ring 6", "gap 7 3..9 2..4" (topic, global and topic sequences).
     */
    public final List<String> sent = new ArrayList<>();
    final List<Long> inSlots = new ArrayList<>();
    int room = Integer.MAX_VALUE;
    boolean fellOut;
    Runnable duringRead;
    /**
     * While set the "client" reads nothing: signals leave everything where it is.
     */
    public boolean stalled;
    private final UnsafeBuffer copy = new UnsafeBuffer(new byte[256]);
    private final EventEncoder copyEncoder = new EventEncoder();

    SharedLogReadingSession(final AtomicCounter ringBytes)
    {
        this(null, 8 * 1024, ringBytes, new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false));
    }

    /**
     * @param flusher null to call {@link #drain()} by hand; else the IO thread its signals run on.
     */
    public SharedLogReadingSession(
        final IoThreadFlusher flusher, final int ringCapacity, final AtomicCounter ringBytes,
        final ConnectionOptions options)
    {
        this(flusher, 1024, ringCapacity, ringBytes, options);
    }

    SharedLogReadingSession(
        final IoThreadFlusher flusher, final int initialRingCapacity, final int ringCapacity,
        final AtomicCounter ringBytes, final ConnectionOptions options)
    {
        super(1, "test", "test", flusher, initialRingCapacity, ringCapacity, ringBytes, options);
    }

    /**
     * A control message of {@code length} bytes into the ring (as the fan-out writes a latest value or a notice).
     */
    boolean control(final int length)
    {
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, copy, 0, length);
    }

    /**
     * The IO thread reads {@code count} messages of the ring, whatever they are.
     */
    void readRing(final int count)
    {
        assertEquals(count, ringForRead().read((msgTypeId, buffer, index, length) -> {}, count));
    }

    protected boolean canReadSharedLog()
    {
        return true;
    }

    /**
     * An event copied into the ring (as the fan-out does outside a segment).
     */
    void copy(final long sequence)
    {
        copyEncoder.wrap(copy, 0).globalSequence(sequence).topic(7).topicSequence(sequence).timestampNs(0)
            .payloadType(PayloadType.OPAQUE).putPayload(new UnsafeBuffer(new byte[8]), 0, 8);
        assertTrue(write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, copy, 0, copyEncoder.encodedLength()));
    }

    protected void drain()
    {
        if (stalled)
        {
            return;
        }
        while (true)
        {
            if (hasSharedLogGapToSend())
            {
                assertTrue(sendSharedLogGap(this) > 0, "a gap reports at least one event");
            }
            else if (isInSharedLogSegment())
            {
                final int given = fromLog.size();
                final int sentBefore = sent.size();
                final int status = readSharedLog(this, this);
                if (SHARED_LOG_FELL_OUT == status)
                {
                    fellOut = true;
                    return;
                }
                if (SHARED_LOG_DISCARD == status)
                {
                    fromLog.subList(given, fromLog.size()).clear();
                    inSlots.subList(given, inSlots.size()).clear();
                    sent.subList(sentBefore, sent.size()).clear();
                }
                if (isInSharedLogSegment())
                {
                    return; // up to the newest, or no room
                }
            }
            else
            {
                final OneToOneRingBuffer ring = ringForRead();
                if (null == ring || 0 == readAcrossWrap(ring, this))
                {
                    return;
                }
            }
        }
    }

    public Action onMessage(
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
        final long sequence = buffer.getLong(index + EventDecoder.globalSequenceEncodingOffset());
        fromRing.add(sequence);
        sent.add("ring " + sequence);
        return Action.CONTINUE;
    }

    public boolean onSharedLogEvent(
        final long sequence, final DirectBuffer buffer, final int offset, final int length)
    {
        if (room <= 0)
        {
            return false;
        }
        room--;
        final long inSlot = buffer.getLong(
            offset + MessageHeaderEncoder.ENCODED_LENGTH + EventDecoder.globalSequenceEncodingOffset(),
            EventDecoder.BYTE_ORDER);
        fromLog.add(sequence);
        sent.add("log " + sequence);
        inSlots.add(inSlot); // what a lapped slot holds is anything: the read is judged after it
        if (null != duringRead)
        {
            final Runnable writer = duringRead;
            duringRead = null;
            writer.run();
        }
        return true;
    }

    public boolean onSharedLogGap(
        final int topic,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        sent.add("gap " + topic + " " + fromSequence + ".." + toSequence + " " + fromTopicSequence + ".." +
            toTopicSequence);
        return true;
    }

    public boolean reportsGapsInSharedLog()
    {
        return true;
    }

    public boolean offerEvent(final EncodedEvent event)
    {
        return write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, event.body(), 0, event.body().capacity());
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
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
        return true;
    }

    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        return true;
    }

    public boolean offerSnapshotBegin(final long correlationId)
    {
        return true;
    }

    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        return true;
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
    }

    protected void closeOnIoThread(final int code, final String reason)
    {
    }
}
