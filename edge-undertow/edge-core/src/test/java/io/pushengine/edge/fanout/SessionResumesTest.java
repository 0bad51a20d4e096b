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
    private final SessionResumes resumes = new SessionResumes(window, catalogSync, null, new ReplayCorrelationIds(),
        counters, new SessionDelivery()
        {
            public boolean offer(final TopicSubscription subscription, final EncodedEvent encoded)
            {
                return subscription.session().offerEvent(encoded);
            }

            public void queued(final ClientSession session)
            {
                queued.add(session);
            }
        });

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

    private RecordingSession resumingSession(final long id, final long resumeFrom, final int room)
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
