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
 * reported, not read (DISCONNECT: the connection is closed; CONFLATE: it skips ahead and leaves the fan-out a report
 * of what it missed).
 */
class SharedLogSegmentTest
{
    private static final int TOPIC = 7;
    private static final int OTHER_TOPIC = 9;
    private static final int CONFLATING_TOPIC = 11;

    private final AtomicCounter ringBytes = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024])).newCounter("ring bytes");
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
    private final EventEncoder encoder = new EventEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();

    @Test
    void readsOnlyItsTopicsEventsInOrderAndGoesOnWhereAFullFrameStopped()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 256);
        final SharedLogReadingSession session = session(log);
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
        final SharedLogReadingSession session = session(log);
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
    void findsTheSegmentsEndAfterThePaddingAtTheRingsWrap()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 256);
        final SharedLogReadingSession session = subscribed(new SharedLogReadingSession(null, 4096, 4096,
            ringBytes, new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false)), log, true);
        for (int i = 0; i < 252; i++)
        {
            assertTrue(session.control(8)); // 16-byte records
        }
        assertTrue(session.control(16)); // 24 bytes: the ring's tail is now 40 bytes before its end
        session.readRing(253);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1), "its start takes 32 of the last 40 bytes");
        session.drain();
        assertEquals(List.of(1L), session.fromLog);

        append(log, 2, TOPIC);
        assertTrue(session.leaveSharedLogNow(), "its end pads the last 8 bytes and goes to the ring's start");
        append(log, 3, TOPIC);
        session.copy(3);
        session.drain();
        assertEquals(List.of(1L, 2L), session.fromLog, "the log up to the segment's end, not past it");
        assertEquals(List.of(3L), session.fromRing, "3 once, from the ring");
    }

    @Test
    void reportsACursorTheLogsWriterHasLappedInsteadOfReadingIt()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = session(log);
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

    @Test
    void aConflatingCursorTheWriterHasLappedSkipsToTheNewestAndReportsWhatItMissed()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = session(log, false);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1), "a CONFLATE subscriber with nothing queued reads the log");
        session.drain();
        assertEquals(List.of(1L), session.fromLog);

        for (long sequence = 2; sequence <= 20; sequence++)
        {
            append(log, sequence, TOPIC); // 2..12 are gone before the connection reads again
        }
        session.drain();
        assertFalse(session.fellOut, "a conflating connection is not closed for it");
        assertEquals(List.of(1L), session.fromLog, "nothing of the lapped span is read");
        assertEquals(2, session.lappedFromSequence(), "the report starts at the first event it missed");
        assertEquals(20, session.lappedToSequence(), "and ends at the newest, where its cursor went");
        assertTrue(session.claimFallOutOfSharedLog(), "nobody claimed a fall-out");

        append(log, 21, TOPIC);
        session.drain();
        assertEquals(List.of(1L, 21L), session.fromLog, "it reads on after the skip");

        for (long sequence = 22; sequence <= 40; sequence++)
        {
            append(log, sequence, TOPIC);
        }
        session.drain();
        assertEquals(List.of(1L, 21L), session.fromLog, "lapped again before the fan-out took the last report");
        assertEquals(2, session.lappedFromSequence(), "the waiting report is not overwritten: it waits");
        assertTrue(session.isInSharedLogSegment());

        session.lappedReportTaken();
        session.drain();
        assertEquals(22, session.lappedFromSequence(), "once taken, the next skip is reported");
        assertEquals(40, session.lappedToSequence());
        append(log, 41, TOPIC);
        session.drain();
        assertEquals(List.of(1L, 21L, 41L), session.fromLog);
    }

    @Test
    void eventsReadWhileTheWriterLapsThemAreDiscardedNotSent()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = session(log, false);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1));
        session.drain();
        for (long sequence = 2; sequence <= 5; sequence++)
        {
            append(log, sequence, TOPIC);
        }
        session.duringRead = () ->
        {
            for (long sequence = 6; sequence <= 16; sequence++)
            {
                append(log, sequence, TOPIC); // the writer laps 2..5 while the IO thread copies them
            }
        };
        session.drain();
        assertEquals(List.of(1L), session.fromLog, "what was read of the lapped span is discarded");
        assertEquals(2, session.lappedFromSequence());
        assertEquals(5, session.lappedToSequence(), "up to the newest the read started with");
        assertFalse(session.fellOut);

        session.lappedReportTaken();
        session.drain();
        assertEquals(6, session.lappedFromSequence(), "6..8 are gone too: it skips again, to the newest");
        assertEquals(16, session.lappedToSequence());
        session.lappedReportTaken();
        append(log, 17, TOPIC);
        session.drain();
        assertEquals(List.of(1L, 17L), session.fromLog, "then reads on, each event once");
        assertEquals(session.fromLog, session.inSlots, "each slot read holds the event of its sequence");
    }

    @Test
    void aConflatingSegmentEndedByTheFanOutIsSkippedToItsEndThenTheRingIsRead()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = session(log, false);
        append(log, 1, TOPIC);
        assertTrue(session.tryEnterSharedLog(1));
        for (long sequence = 2; sequence <= 5; sequence++)
        {
            append(log, sequence, TOPIC);
        }
        session.leaveSharedLogNow(); // it lagged at 5: the segment ends after it, 6 on wait as latest values
        for (long sequence = 6; sequence <= 20; sequence++)
        {
            append(log, sequence, TOPIC);
        }
        session.copy(20); // the latest value, sent when there was room
        session.drain();
        assertEquals(List.of(), session.fromLog, "the segment was lapped before it was read");
        assertEquals(1, session.lappedFromSequence());
        assertEquals(5, session.lappedToSequence(), "it skipped to the segment's end, not past it");
        assertEquals(List.of(20L), session.fromRing, "then the ring");
        assertFalse(session.isInSharedLogSegment());
    }

    @Test
    void aDroppingCursorLappedInItsSegmentWaitsForItsEndThenSendsEachTopicsMissedRangeBeforeTheRing()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = new SharedLogReadingSession(ringBytes);
        final int[] lappedSignals = new int[1];
        session.attachSharedLog(log, lapped -> lappedSignals[0]++);
        final TestSubscription a = new TestSubscription(TOPIC, false, true);
        final TestSubscription b = new TestSubscription(OTHER_TOPIC, false, true);
        final TestSubscription conflating = new TestSubscription(CONFLATING_TOPIC, false, false);
        b.offered(0, 40); // Subscribed told the client topic sequence 40: its events come after it
        session.subscriptions().add(a);
        session.subscriptions().add(conflating);
        session.subscriptions().add(b);

        appendOffered(log, 1, a, 1);
        assertTrue(session.tryEnterSharedLog(1), "DROP subscribers with nothing held back read the log");
        appendOffered(log, 2, b, 41);
        session.drain();
        assertEquals(List.of("log 1", "log 2"), session.sent);

        for (long sequence = 3; sequence <= 20; sequence += 2)
        {
            appendOffered(log, sequence, a, 2 + (sequence - 3) / 2); // 3..19: a's 2..10
            appendOffered(log, sequence + 1, b, 42 + (sequence - 3) / 2); // 4..20: b's 42..50
        }
        session.drain(); // a log of 8 events: 3..12 are gone
        assertEquals(List.of("log 1", "log 2"), session.sent, "nothing of a lapped segment is read");
        assertTrue(session.takeSegmentEndAsked(), "it asks the fan-out to end the segment");
        assertEquals(1, lappedSignals[0], "and signals it");
        session.drain();
        assertEquals(1, lappedSignals[0], "once: it waits for the end");
        assertFalse(session.takeSegmentEndAsked());
        assertTrue(session.isInSharedLogSegment());

        appendOffered(log, 21, a, 11);
        appendOffered(log, 22, conflating, 1);
        assertTrue(session.leaveSharedLogNow(), "the fan-out ends it after the newest event");
        append(log, 23, TOPIC);
        session.copy(23); // after the segment: by copy

        session.drain();
        assertEquals(List.of("log 1", "log 2", "gap 7 3..21 2..11", "gap 9 3..20 42..50", "ring 23"), session.sent,
            "each dropping topic's missed range exactly, from the lap to the segment's end, before anything after " +
            "it; none for the conflating topic");
        assertEquals(3, session.lappedFromSequence(), "the conflating topic's latest value is owed from the report");
        assertEquals(22, session.lappedToSequence());
        assertFalse(session.isInSharedLogSegment());
    }

    @Test
    void aDroppingReadTheWriterLappedIsTakenBackSoTheGapStartsAfterWhatWasSent()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = new SharedLogReadingSession(ringBytes);
        session.attachSharedLog(log, lapped -> {});
        final TestSubscription a = new TestSubscription(TOPIC, false, true);
        session.subscriptions().add(a);
        appendOffered(log, 1, a, 1);
        assertTrue(session.tryEnterSharedLog(1));
        session.drain();
        for (long sequence = 2; sequence <= 5; sequence++)
        {
            appendOffered(log, sequence, a, sequence);
        }
        session.duringRead = () ->
        {
            for (long sequence = 6; sequence <= 16; sequence++)
            {
                appendOffered(log, sequence, a, sequence); // the writer laps 2..5 while they are copied
            }
        };
        session.drain();
        assertEquals(List.of("log 1"), session.sent, "what was read of the lapped span is discarded");
        assertTrue(session.takeSegmentEndAsked());

        assertTrue(session.leaveSharedLogNow());
        session.drain();
        assertEquals(List.of("log 1", "gap 7 2..16 2..16"), session.sent,
            "the discarded read's events are in the gap: none lost without notice");
    }

    @Test
    void aDroppingCursorLappedAfterItsSegmentEndedReportsAtOnceWithoutAsking()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = new SharedLogReadingSession(ringBytes);
        session.attachSharedLog(log, lapped -> {});
        final TestSubscription a = new TestSubscription(TOPIC, false, true);
        session.subscriptions().add(a);
        appendOffered(log, 1, a, 1);
        assertTrue(session.tryEnterSharedLog(1));
        session.drain();
        appendOffered(log, 2, a, 2);
        appendOffered(log, 3, a, 3);
        session.subscriptionsChanged(); // the segment ends after 3
        session.copy(4);
        for (long sequence = 5; sequence <= 20; sequence++)
        {
            append(log, sequence, OTHER_TOPIC); // others' events lap the cursor
        }
        session.drain();
        assertEquals(List.of("log 1", "gap 7 2..3 2..3", "ring 4"), session.sent);
        assertFalse(session.takeSegmentEndAsked(), "the end was known: nothing to ask");
    }

    @Test
    void aDroppingSegmentThatIsNotLappedReportsNoGap()
    {
        final RecentEvents log = new RecentEvents(64 * 1024, 8);
        final SharedLogReadingSession session = new SharedLogReadingSession(ringBytes);
        session.attachSharedLog(log, lapped -> {});
        final TestSubscription a = new TestSubscription(TOPIC, false, true);
        session.subscriptions().add(a);
        appendOffered(log, 1, a, 1);
        assertTrue(session.tryEnterSharedLog(1));
        appendOffered(log, 2, a, 2);
        assertTrue(session.leaveSharedLogNow());
        session.copy(3);
        session.drain();
        assertEquals(List.of("log 1", "log 2", "ring 3"), session.sent);
        assertEquals(-1, session.lappedFromSequence());
    }

    @Test
    void entersTheLogOnlyWhenItsRingCanTakeTheSegmentsEndAfterItsStart()
    {
        int entered = 0;
        for (int freed = 1; freed <= 12; freed++) // from less than both markers need to more than enough
        {
            final RecentEvents log = new RecentEvents(64 * 1024, 8);
            final SharedLogReadingSession session = subscribed(new SharedLogReadingSession(null, 4096, 4096,
                ringBytes, new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false)), log,
                false);
            while (session.control(8)) // 16-byte records: latest values the client has not read yet
            {
            }
            session.readRing(freed);
            append(log, 1, TOPIC);
            if (session.tryEnterSharedLog(1))
            {
                entered++;
                assertTrue(session.leaveSharedLogNow(),
                    "entered with " + freed + " records read: its segment's end must fit, or it is cut");
            }
        }
        assertTrue(entered > 0, "it enters once there is room for both markers");
    }

    private SharedLogReadingSession session(final RecentEvents log)
    {
        return session(log, true);
    }

    private SharedLogReadingSession session(final RecentEvents log, final boolean disconnects)
    {
        return subscribed(new SharedLogReadingSession(ringBytes), log, disconnects);
    }

    private SharedLogReadingSession subscribed(
        final SharedLogReadingSession session, final RecentEvents log, final boolean disconnects)
    {
        session.attachSharedLog(log);
        session.subscriptions().add(new TestSubscription(TOPIC, disconnects, false));
        return session;
    }

    private void append(final RecentEvents log, final long sequence, final int topic)
    {
        log.append(sequence, message, 0, encode(sequence, topic, sequence));
    }

    /**
     * Append an event of the subscription's topic, recorded as given to it, as the fan-out does for a connection
     * in the log.
     */
    private void appendOffered(
        final RecentEvents log, final long sequence, final TestSubscription subscription, final long topicSequence)
    {
        log.append(sequence, message, 0, encode(sequence, subscription.topicNumber(), topicSequence));
        subscription.offered(sequence, topicSequence);
    }

    private int encode(final long sequence, final int topic, final long topicSequence)
    {
        encoder.wrapAndApplyHeader(message, 0, headerEncoder)
            .globalSequence(sequence)
            .topic(topic)
            .topicSequence(topicSequence)
            .timestampNs(0)
            .payloadType(PayloadType.OPAQUE)
            .putPayload(new UnsafeBuffer(new byte[8]), 0, 8);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
