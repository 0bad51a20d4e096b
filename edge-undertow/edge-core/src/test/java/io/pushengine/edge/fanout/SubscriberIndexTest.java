package io.pushengine.edge.fanout;

import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.RecordingSession;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fan-out's subscriber index: topics by name (asked for by clients) and by number (declared by the engine),
 * each with its subscriptions; a session subscribes once per topic; names nobody declared are forgotten with their
 * last subscriber, so clients cannot grow the index without bound.
 */
class SubscriberIndexTest
{
    private final SubscriberIndex index = new SubscriberIndex();
    private final CountersManager counters = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024]));

    @Test
    void aSubscriptionBeforeTheDeclarationGetsTheTopicsNumberWhenDeclared()
    {
        final RecordingSession session = session(1);
        final TopicSubscription subscription = index.subscribe(session, "px.a", DeliveryPolicy.DISCONNECT);
        assertNotNull(subscription);
        assertEquals(0, subscription.topic().number(), "not declared yet");
        assertNull(index.byNumber(7));

        final TopicSubscribers topic = index.declare(7, "px.a");
        assertSame(subscription.topic(), topic);
        assertSame(topic, index.byNumber(7));
        assertEquals(1, topic.size());
        assertEquals(List.of(subscription), session.subscriptions());
        assertTrue(index.declaredTopics().contains(topic));
    }

    @Test
    void aSessionSubscribesToATopicOnce()
    {
        final RecordingSession session = session(1);
        assertNotNull(index.subscribe(session, "px.a", DeliveryPolicy.DISCONNECT));
        assertNull(index.subscribe(session, "px.a", DeliveryPolicy.CONFLATE), "already subscribed");
        assertEquals(1, session.subscriptions().size());
    }

    @Test
    void undeclaredNamesAreForgottenWithTheirLastSubscriberDeclaredOnesAreKept()
    {
        index.declare(7, "px.declared");
        final RecordingSession first = session(1);
        final RecordingSession second = session(2);
        index.subscribe(first, "px.declared", DeliveryPolicy.DISCONNECT);
        index.subscribe(first, "px.typo", DeliveryPolicy.DISCONNECT);
        index.subscribe(second, "px.typo", DeliveryPolicy.DISCONNECT);

        index.removeSession(first);
        assertTrue(first.subscriptions().isEmpty());
        assertNotNull(index.byName("px.typo"), "the second session still has it");
        assertTrue(index.unsubscribe(second, "px.typo"));
        assertNull(index.byName("px.typo"), "forgotten with its last subscriber");
        assertNotNull(index.byName("px.declared"), "declared topics stay");
        assertEquals(0, index.byName("px.declared").size());
        assertTrue(!index.unsubscribe(second, "px.typo"), "nothing left to unsubscribe");
    }

    private RecordingSession session(final long id)
    {
        return new RecordingSession(id, null, 1024, 1024, counters.newCounter("ring bytes " + id),
            new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false), false);
    }
}
