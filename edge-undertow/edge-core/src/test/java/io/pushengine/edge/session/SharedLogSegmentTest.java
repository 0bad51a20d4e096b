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
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's cursor walk over the edge's shared log ({@link ClientSession#readSharedLog}), stepped on one thread
 * as the fan-out (append, enter, leave) and the IO thread (read the ring's markers, then the log) would: only its
 * topics' events, in order, each once; a full frame goes on from the event it stopped at; the segment ends exactly
 * where the fan-out ended it, and what the ring holds after that follows; a cursor the log's writer has lapped is
 * reported, not read.
 */
class SharedLogSegmentTest
{
    private static final int TOPIC = 7;
    private static final int OTHER_TOPIC = 9;

    private final AtomicCounter ringBytes = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024])).newCounter("ring bytes");
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
    private final EventEncoder encoder = new EventEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();

    @Test
    void readsOnlyItsTopicsEventsInOrderAndGoesOnWhereAFullFrameStopped()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 256);
        final LogReadingSession session = session(log);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1), "a DISCONNECT subscriber with nothing queued reads the log");
        append(log, 2, OTHER_TOPIC);
        append(log, 3, TOPIC);

        session.drain();
        assertEquals(List.of(1L, 3L), session.fromLog, "its topic's events, the other topic's skipped");
        assertEquals(3, session.sharedLogReadSequence, "the cursor is past what it read");

        append(log, 4, TOPIC);
        append(log, 5, TOPIC);
        append(log, 6, TOPIC);
        session.room = 1;
        session.drain();
        assertEquals(List.of(1L, 3L, 4L), session.fromLog, "one event fitted");
        assertEquals(4, session.sharedLogReadSequence, "the cursor stops at the event that did not fit");

        session.room = Integer.MAX_VALUE;
        session.drain();
        assertEquals(List.of(1L, 3L, 4L, 5L, 6L), session.fromLog, "the next read goes on from there, none twice");
        assertEquals(session.fromLog, session.inSlots, "each slot read holds the event of its sequence");
    }

    @Test
    void endsTheSegmentWhereTheFanOutEndedItAndThenReadsTheRing()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 256);
        final LogReadingSession session = session(log);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1));
        append(log, 2, TOPIC);
        session.drain();
        assertEquals(List.of(1L, 2L), session.fromLog);

        append(log, 3, TOPIC);
        session.subscriptionsChanged(); // the fan-out ends the segment after 3, the newest appended
        append(log, 4, TOPIC); // appended after the end: this connection gets it another way, here by copy
        session.copy(4);

        session.drain();
        assertEquals(List.of(1L, 2L, 3L), session.fromLog, "the log up to the segment's end, not past it");
        assertEquals(List.of(4L), session.fromRing, "then what the ring holds after the end");
        assertFalse(session.isInSharedLogSegment(), "out of the segment");
        assertEquals(-1, session.sharedLogReadSequence, "no cursor outside a segment");
    }

    @Test
    void reportsACursorTheLogsWriterHasLappedInsteadOfReadingIt()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final LogReadingSession session = session(log);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1));
        session.drain();
        assertEquals(List.of(1L), session.fromLog);

        for (long sequence = 2; sequence <= 20; sequence++)
        {
            append(log, sequence, TOPIC); // a log of 8 events: 2..12 are gone before the connection reads again
        }
        session.drain();
        assertTrue(session.fellOut, "lapped: what it read cannot be trusted");
        assertTrue(session.claimFallOutOfSharedLog(), "the IO thread claims it first and closes the connection");
        assertFalse(session.claimFallOutOfSharedLog(), "once: whoever finds it next does not close it again");
    }

    private LogReadingSession session(final RecentEvents log)
    {
        final LogReadingSession session = new LogReadingSession(ringBytes);
        session.attachSharedLog(log);
        session.subscriptions().add(new SessionSubscription()
        {
            public int topicNumber()
            {
                return TOPIC;
            }

            public boolean canReadSharedLog()
            {
                return true;
            }
        });
        return session;
    }

    private void append(final RecentEvents log, final long sequence, final int topic)
    {
        log.append(sequence, message, 0, encode(sequence, topic));
    }

    private int encode(final long sequence, final int topic)
    {
        encoder.wrapAndApplyHeader(message, 0, headerEncoder)
            .globalSequence(sequence)
            .topic(topic)
            .topicSequence(sequence)
            .timestampNs(0)
            .payloadType(PayloadType.OPAQUE)
            .putPayload(new UnsafeBuffer(new byte[8]), 0, 8);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * A transport as WebSocket and SSE read: the ring outside a segment (or for its end), the log by cursor inside.
     */
    private static final class LogReadingSession extends ClientSession
        implements ControlledMessageHandler, ClientSession.SharedLogEventHandler
    {
        final List<Long> fromLog = new ArrayList<>();
        final List<Long> fromRing = new ArrayList<>();
        final List<Long> inSlots = new ArrayList<>();
        int room = Integer.MAX_VALUE;
        boolean fellOut;
        private final UnsafeBuffer copy = new UnsafeBuffer(new byte[256]);
        private final EventEncoder copyEncoder = new EventEncoder();

        LogReadingSession(final AtomicCounter ringBytes)
        {
            super(1, "test", "test", null, 1024, 8 * 1024, ringBytes,
                new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false));
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
            copyEncoder.wrap(copy, 0).globalSequence(sequence).topic(TOPIC).topicSequence(sequence).timestampNs(0)
                .payloadType(PayloadType.OPAQUE).putPayload(new UnsafeBuffer(new byte[8]), 0, 8);
            assertTrue(write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, copy, 0, copyEncoder.encodedLength()));
        }

        protected void drain()
        {
            while (true)
            {
                if (isInSharedLogSegment())
                {
                    if (!readSharedLog(this, this))
                    {
                        fellOut = true;
                        return;
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
            fromRing.add(buffer.getLong(index + EventDecoder.globalSequenceEncodingOffset()));
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
            inSlots.add(inSlot); // what a lapped slot holds is anything: the read is judged after it
            return true;
        }

        public boolean offerEvent(final EncodedEvent event)
        {
            return false;
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
}
