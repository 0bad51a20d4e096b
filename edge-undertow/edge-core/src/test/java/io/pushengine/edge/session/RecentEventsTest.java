package io.pushengine.edge.session;

import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge's window of recent events: bounded by bytes and by count, indexed by sequence and topic, and readable by
 * other threads, which either read an event whole or learn that the writer has lapped it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RecentEventsTest
{
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[4096]);
    private final EventEncoder encoder = new EventEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();

    @Test
    void holdsTheNewestEventsWithinItsByteBound()
    {
        final RecentEvents events = new RecentEvents(1024, 64);
        final int length = encode(1, 7, 100);
        for (long sequence = 1; sequence <= 50; sequence++)
        {
            encode(sequence, 7, 100);
            events.append(sequence, message, 0, length);
        }
        assertEquals(50, events.last());
        assertTrue(events.first() > 1, "the oldest were evicted to stay within 1 KiB");
        assertTrue((events.last() - events.first() + 1) * length <= 1024, "what is held fits the bytes");
        assertEquals(7, events.topic(events.last()));
        assertEquals(length, events.length(events.last()));
        assertEquals((int)(events.last() - events.first() + 1) * length, events.bytesFrom(events.first()));
        assertEquals(1024, events.bytesFrom(1), "a sequence no longer held counts as the whole log");
        assertEquals(0, events.bytesFrom(51));
    }

    @Test
    void holdsAtMostItsEventCountAndStartsAgainOnAJump()
    {
        final RecentEvents events = new RecentEvents(1 << 20, 8);
        final int length = encode(1, 1, 10);
        for (long sequence = 1; sequence <= 20; sequence++)
        {
            events.append(sequence, message, 0, length);
        }
        assertEquals(13, events.first());
        assertEquals(20, events.last());

        events.append(30, message, 0, length); // 21..29 never came
        assertEquals(30, events.first());
        assertEquals(30, events.last());
        assertFalse(events.contains(20));
    }

    @Test
    void aReaderOnAnotherThreadReadsEventsWholeOrLearnsTheyWereOverwritten() throws Exception
    {
        final int eventCount = 300_000;
        final RecentEvents events = new RecentEvents(64 * 1024, 1024);
        final AtomicReference<String> corruption = new AtomicReference<>();
        final AtomicLong verified = new AtomicLong();
        final AtomicLong lapped = new AtomicLong();

        final Thread reader = new Thread(() ->
        {
            long next = 1;
            while (next <= eventCount && null == corruption.get())
            {
                final long last = events.lastVolatile();
                if (next > last)
                {
                    Thread.onSpinWait();
                    continue;
                }
                final int offset = events.offset(next);
                final int length = events.length(next);
                final int topic = events.topic(next);
                final long sequenceInBytes = length >= 16 && offset + length <= events.buffer().capacity() ?
                    events.buffer().getLong(offset + MessageHeaderEncoder.ENCODED_LENGTH) : -1;
                final byte fill = length >= 48 ? events.buffer().getByte(offset + length - 1) : -1;
                VarHandle.loadLoadFence();
                if (events.firstVolatile() > next)
                {
                    lapped.incrementAndGet(); // overwritten while read: skip to what is held
                    next = events.firstVolatile();
                    continue;
                }
                if (sequenceInBytes != next || topic != (int)(next % 5) || fill != (byte)next ||
                    length != expectedLength(next))
                {
                    corruption.set("sequence " + next + " read as " + sequenceInBytes + ", topic " + topic +
                        ", fill " + fill + ", length " + length + " though still held");
                }
                verified.incrementAndGet();
                next++;
            }
        });
        reader.start();
        for (long sequence = 1; sequence <= eventCount; sequence++)
        {
            final int length = encode(sequence, (int)(sequence % 5), expectedLength(sequence) - 41);
            events.append(sequence, message, 0, length);
        }
        reader.join(20_000);
        assertNull(corruption.get());
        assertTrue(verified.get() > 0, "the reader verified events");
        assertEquals(eventCount, events.last());
    }

    /**
     * A whole message as the engine sends it: header, event with its sequence and topic, payload bytes all set to
     * the sequence's low byte.
     */
    private int encode(final long sequence, final int topic, final int payloadLength)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
        payload.setMemory(0, payloadLength, (byte)sequence);
        encoder.wrapAndApplyHeader(message, 0, headerEncoder)
            .globalSequence(sequence)
            .topic(topic)
            .topicSequence(sequence)
            .timestampNs(0)
            .payloadType(PayloadType.OPAQUE)
            .putPayload(payload, 0, payloadLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private static int expectedLength(final long sequence)
    {
        return 41 + 16 + (int)(sequence % 200); // header 8, block 29, payload length 4, payload
    }
}
