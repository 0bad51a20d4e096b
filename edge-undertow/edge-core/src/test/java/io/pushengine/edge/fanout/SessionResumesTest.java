package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.stream.CatalogSync;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.RecordingSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.RecentEvents;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionResumes} stepped duty cycle by duty cycle, no threads, no Aeron: a window of recent events, a
 * session that records what it is offered, and the engine's position given as numbers.
 */
class SessionResumesTest
{
    private static final int TOPIC = 7;
    private static final int OTHER_TOPIC = 8;

    private final FanOutCounters counters = newCounters();
    private final RecentEvents window = new RecentEvents(1024 * 1024, 1024);
    private final CatalogSync catalogSync = new CatalogSync(null, 0);
    private final SubscriberIndex index = new SubscriberIndex();
    private final List<ClientSession> queued = new ArrayList<>();
    private final SessionDelivery delivery = new SessionDelivery()
    {
        public boolean offer(final TopicSubscription subscription, final EncodedEvent encoded)
        {
            return subscription.session().offerEvent(encoded);
        }

        public void queued(final ClientSession session)
        {
            queued.add(session);
        }
    };
    private final SessionResumes resumes = new SessionResumes(window, catalogSync, null, new ReplayCorrelationIds(),
        counters, delivery);

    SessionResumesTest()
    {
        index.declare(TOPIC, "px.a");
        index.declare(OTHER_TOPIC, "px.b");
        final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
        final EventEncoder encoder = new EventEncoder();
        for (long sequence = 1; sequence <= 100; sequence++)
        {
            encoder.wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
                .globalSequence(sequence)
                .topic(sequence % 10 == 0 ? OTHER_TOPIC : TOPIC)
                .topicSequence(sequence)
                .timestampNs(0)
                .payloadType(PayloadType.JSON)
                .putPayload(new byte[]{'1'}, 0, 1);
            window.append(sequence, message, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        }
    }

    @Test
    void waitsForTheCatalogThenResumesFromTheWindowWithExactlyTheMissedEventsOfItsTopicsThenGoesLive()
    {
        final RecordingSession session = resumingSession(1, 50, Integer.MAX_VALUE);
        assertEquals(0, resumes.doWork(100, 1), "nothing before the catalog is complete");
        catalogSync.onCatalogComplete(catalogSync.correlationId());

        resumes.doWork(100, 1);
        final List<Long> expected = new ArrayList<>();
        for (long sequence = 51; sequence <= 100; sequence++)
        {
            if (sequence % 10 != 0)
            {
                expected.add(sequence);
            }
        }
        assertEquals(expected, session.events, "what followed 50 on px.a, once, in order");
        assertTrue(resumes.hasWork(), "live only once told so, next cycle");

        resumes.doWork(100, 1);
        assertEquals(List.of("resumed 50..100 complete"), session.controls);
        assertFalse(session.isResuming());
        assertFalse(resumes.hasWork());
        assertEquals(1, counters.resumes().get());
        assertEquals(expected.size(), counters.eventsResumed().get());
        assertEquals(List.of(session), queued);
    }

    @Test
    void aFullRingPausesTheResumeWhichCarriesOnNextCycleWithNothingLostOrRepeated()
    {
        catalogSync.onCatalogComplete(catalogSync.correlationId());
        final RecordingSession session = resumingSession(1, 0, 20);
        resumes.doWork(100, 1);
        assertEquals(20, session.events.size());
        session.room = Integer.MAX_VALUE;
        resumes.doWork(100, 1);
        resumes.doWork(100, 1);
        assertEquals(90, session.events.size());
        for (int i = 1; i < session.events.size(); i++)
        {
            assertTrue(session.events.get(i) > session.events.get(i - 1), "in order: " + session.events);
        }
        assertEquals(List.of("resumed 0..100 complete"), session.controls);
    }

    @Test
    void aCursorBeyondWhatTheEngineIssuedIsAResetOnlyAfterOneMoreCatalogAnswer()
    {
        catalogSync.onCatalogComplete(catalogSync.correlationId());
        final RecordingSession session = resumingSession(1, 500, Integer.MAX_VALUE);
        resumes.doWork(100, 1);
        resumes.doWork(100, 1);
        assertTrue(session.controls.isEmpty(), "this edge may only be behind: it asks the engine first");

        resumes.doWork(100, 2); // the engine answered and still knows nothing past 100
        resumes.doWork(100, 2);
        assertEquals(List.of("resumed 500..100 reset oldest 0"), session.controls);
        assertTrue(session.events.isEmpty());
        assertEquals(1, counters.resumeResets().get());
    }

    @Test
    void aReplayAnswerWhoseBeginningNeverArrivedIsAskedForAgainAndIsNotTakenForAReset()
    {
        final List<long[]> requests = new ArrayList<>();
        final RecentEvents shortWindow = new RecentEvents(1024 * 1024, 32);
        for (long sequence = 1; sequence <= 100; sequence++)
        {
            shortWindow.append(sequence, window.buffer(), window.offset(sequence), window.length(sequence));
        }
        final SessionResumes replaying = new SessionResumes(shortWindow, catalogSync,
            (correlationId, from, to) -> requests.add(new long[]{correlationId, from, to}),
            new ReplayCorrelationIds(), counters, delivery);
        catalogSync.onCatalogComplete(catalogSync.correlationId());
        final RecordingSession session = resumingSession(replaying, 1, 10, Integer.MAX_VALUE);

        replaying.doWork(100, 1);
        assertEquals(1, requests.size(), "older than the window: a journal replay");
        final long firstId = requests.get(0)[0];
        assertEquals(10, requests.get(0)[1]);
        assertEquals(shortWindow.first() - 1, requests.get(0)[2]);

        // the answer's begin and events went out before this edge's replay image joined: its last event and its end
        // arrive
        final long last = shortWindow.first() - 1;
        replaying.onReplayedEvent(last, window.buffer(), window.offset(last), window.length(last));
        replaying.onReplayEnd(firstId, 1, false, 100);
        assertTrue(session.events.isEmpty(), "nothing of an answer without its beginning is taken");
        assertTrue(session.controls.isEmpty(), "not a reset: the journal holds all of it");
        assertEquals(1, counters.replayRetries().get());

        replaying.doWork(100, 1);
        assertEquals(2, requests.size(), "asked again");
        final long secondId = requests.get(1)[0];
        assertTrue(secondId != firstId);
        assertEquals(10, requests.get(1)[1]);
        assertTrue(replaying.onReplayBegin(secondId));
        for (long sequence = 11; sequence <= last; sequence++)
        {
            replaying.onReplayedEvent(sequence, window.buffer(), window.offset(sequence), window.length(sequence));
        }
        replaying.onReplayEnd(secondId, 1, false, 100);
        replaying.doWork(100, 1);
        replaying.doWork(100, 1);

        final List<Long> expected = new ArrayList<>();
        for (long sequence = 11; sequence <= 100; sequence++)
        {
            if (sequence % 10 != 0)
            {
                expected.add(sequence);
            }
        }
        assertEquals(expected, session.events, "what followed 10 on px.a, once, in order");
        assertEquals(List.of("resumed 10..100 complete"), session.controls);
        assertEquals(0, counters.resumeResets().get());
    }

    @Test
    void sessionsThatLeaveMidResumeLeaveTheOthersToFinishEachOnce()
    {
        catalogSync.onCatalogComplete(catalogSync.correlationId());
        final List<RecordingSession> sessions = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            sessions.add(resumingSession(i + 1, 90, 3)); // room for 3 of 91..99: each needs more than one cycle
        }
        resumes.doWork(100, 1);
        resumes.remove(sessions.get(1)); // from the middle of the list, its first and its last
        resumes.remove(sessions.get(0));
        resumes.remove(sessions.get(5));
        resumes.remove(sessions.get(5)); // twice: no effect
        for (final RecordingSession session : sessions)
        {
            session.room = Integer.MAX_VALUE;
        }
        for (int cycle = 0; cycle < 4; cycle++)
        {
            resumes.doWork(100, 1);
        }
        assertFalse(resumes.hasWork(), "every remaining resume finished");
        final List<Long> expected = List.of(91L, 92L, 93L, 94L, 95L, 96L, 97L, 98L, 99L);
        for (final int i : new int[]{ 2, 3, 4 })
        {
            assertEquals(expected, sessions.get(i).events, "session " + (i + 1) + ": each event once, in order");
            assertEquals(List.of("resumed 90..100 complete"), sessions.get(i).controls);
        }
        for (final int i : new int[]{ 0, 1, 5 })
        {
            assertEquals(expected.subList(0, 3), sessions.get(i).events, "session " + (i + 1) + " left");
            assertEquals(List.of(), sessions.get(i).controls);
        }
    }

    private RecordingSession resumingSession(final long id, final long resumeFrom, final int room)
    {
        return resumingSession(resumes, id, resumeFrom, room);
    }

    private RecordingSession resumingSession(
        final SessionResumes resumes, final long id, final long resumeFrom, final int room)
    {
        final RecordingSession session = new RecordingSession(id, null, 1024, 1024, counters.ringBytes(),
            new ConnectionOptions(List.of("px.a"), 0, null, 0, resumeFrom, false), false);
        session.room = room;
        session.fanOutIndex(0);
        session.resuming(true);
        index.subscribe(session, "px.a", DeliveryPolicy.DISCONNECT);
        resumes.start(session);
        return session;
    }

    private static FanOutCounters newCounters()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024]));
        return FanOutCounters.allocate(typeId -> manager.newCounter("test", typeId));
    }
}
