package io.pushengine.edge.session;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's rings, written by the fan-out and read by the IO side, stepped on one thread: allocated on first
 * use at the initial capacity, continued in a ring of the full capacity when that fills (read in order across the
 * two), full only at the full capacity, released when idle and accounted for in the ring-bytes gauge throughout.
 */
class ClientSessionRingTest
{
    private static final int INITIAL = 1024;
    private static final int FULL = 8 * 1024;

    private final AtomicCounter ringBytes = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024])).newCounter("ring bytes");
    private final RecordingSession session = new RecordingSession(1, null, INITIAL, FULL, ringBytes,
        new ConnectionOptions(List.of("px"), 0, null, 0, ConnectionOptions.NO_RESUME, false), true);
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
    private final EventEncoder encoder = new EventEncoder();
    private final EventDecoder decoder = new EventDecoder();
    private final EncodedEvent encoded = new EncodedEvent();

    @Test
    void holdsNoRingUntilSomethingIsSentThenGrowsIntoAFullRingKeepingTheOrder()
    {
        assertEquals(0, ringBytes.get(), "an idle connection holds no ring");
        assertEquals(0, session.bufferedBytes());

        final List<Long> offered = new ArrayList<>();
        long sequence = 1;
        while (session.offerEvent(event(sequence)))
        {
            offered.add(sequence++);
        }
        assertTrue(offered.size() > INITIAL / 64, "more than the initial ring holds: " + offered.size());
        assertEquals(FULL, ringBytes.get(), "the full ring (the small one counts as gone once followed)");
        assertTrue(session.bufferedBytes() > FULL / 2);

        session.readRing();
        assertEquals(offered, session.ringSequences, "read in order across both rings");
        assertEquals(0, session.bufferedBytes());
        session.readRing();
        assertEquals(offered.size(), session.ringSequences.size(), "nothing read twice");
    }

    @Test
    void aFullRingOfTheFullCapacityRefusesUntilReadThenTakesMore()
    {
        long sequence = 1;
        while (session.offerEvent(event(sequence)))
        {
            sequence++;
        }
        assertFalse(session.offerEvent(event(sequence)), "still full: the client is too slow");
        session.readRing();
        assertTrue(session.offerEvent(event(sequence)), "room again once read");
        session.readRing();
        assertEquals(sequence, session.ringSequences.get(session.ringSequences.size() - 1));
    }

    @Test
    void releasesAnEmptyRingAfterItHasBeenIdleAndAllocatesAnotherOnTheNextWrite()
    {
        final long idleNs = 1_000;
        session.offered(0);
        assertTrue(session.offerEvent(event(1)));
        assertFalse(session.releaseRingIfIdle(5_000, idleNs), "not while it holds something");
        session.readRing();
        assertFalse(session.releaseRingIfIdle(500, idleNs), "not before it has been idle long enough");
        assertTrue(session.releaseRingIfIdle(5_000, idleNs));
        assertEquals(0, ringBytes.get());

        assertTrue(session.offerEvent(event(2)));
        assertEquals(INITIAL, ringBytes.get(), "a new small ring");
        session.readRing();
        assertEquals(List.of(1L, 2L), session.ringSequences);
        session.releaseRing();
        assertEquals(0, ringBytes.get(), "a closed connection gives its ring back");
    }

    private EncodedEvent event(final long sequence)
    {
        encoder.wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
            .globalSequence(sequence)
            .topic(1)
            .topicSequence(sequence)
            .timestampNs(0)
            .payloadType(PayloadType.OPAQUE)
            .putPayload(new byte[16], 0, 16);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
        return encoded.wrap(decoder, "px", message, 0, length);
    }
}
