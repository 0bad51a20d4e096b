package io.pushengine.edge;

import io.pushengine.client.PushSubscriber;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java subscriber for services over real sockets: two edges on one engine, events published throughout, one
 * edge drained (1001 with a hint) and the other killed; the subscriber moves between them and its listener gets
 * every event once, in order, with contiguous topic sequences.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PushSubscriberTest
{
    private static final String TOPIC = "orders.sub";
    private static final int EVENTS = 2_000;

    @TempDir
    File dir;

    @Test
    void everyEventOnceAndInOrderWhileOneEdgeDrainsAndTheOtherDies() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal"), null, null, edgeContext()))
        {
            EdgeServer edgeB = push.launchPeerEdge(edgeContext());
            final int portA = push.edge.port();
            final RecordingListener listener = new RecordingListener();
            final List<Event> received = listener.events;
            final List<String> states = listener.states;
            final List<String> subscribed = listener.subscribed;

            push.engine.topic(TOPIC);
            final AtomicBoolean publishing = new AtomicBoolean(true);
            final Thread publisher = new Thread(() ->
            {
                for (int i = 1; i <= EVENTS && publishing.get(); i++)
                {
                    final long sequence = push.engine.publish(
                        TOPIC, PayloadType.JSON, String.valueOf(i).getBytes(StandardCharsets.US_ASCII));
                    if (sequence < 0)
                    {
                        throw new IllegalStateException("publish " + i + " failed: " + sequence);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
                }
            }, "publisher");

            try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
                .edges(List.of(URI.create("ws://127.0.0.1:" + portA), URI.create("ws://127.0.0.1:" + edgeB.port())))
                .topics(List.of(TOPIC))
                .backoff(50, 500, 0.3), listener))
            {
                await(() -> subscribed.contains(TOPIC), () -> "not subscribed: " + states);
                publisher.start();
                await(() -> received.size() >= 300, () -> "received " + received.size());

                push.edge.drain(); // 1001 with a retry-after-ms hint: the subscriber moves to edge B
                push.restartEdge(edgeContext()); // A comes back (same port) for later
                await(() -> received.size() >= 900, () -> "after the drain, received " + received.size());

                edgeB.close(); // edge B dies: the subscriber goes back to A and resumes there
                edgeB = null;
                await(() -> received.size() >= EVENTS, () -> "after edge B died, received " + received.size() +
                    " (" + gaps(received) + "), states " + states);
                publisher.join();

                assertEquals(0, listener.outOfOrder.get(), "in order");
                assertEquals(EVENTS, received.size(), "every event once");
                for (int i = 0; i < EVENTS; i++)
                {
                    assertEquals(i + 1, received.get(i).topicSequence(), "topic sequence " + (i + 1));
                    assertEquals(String.valueOf(i + 1), received.get(i).payload(), "payload " + (i + 1));
                }
                assertEquals(received.get(EVENTS - 1).globalSequence(), subscriber.cursor());
                assertTrue(states.stream().filter(s -> s.startsWith("RECONNECTING")).count() >= 2,
                    "moved twice: " + states);
                assertTrue(states.stream().anyMatch(s -> s.contains("edge going away")), states.toString());
            }
            finally
            {
                publishing.set(false);
                publisher.join(10_000);
                if (null != edgeB)
                {
                    edgeB.close();
                }
            }
        }
    }

    @Test
    void recycledConnectionsMoveOnAndLoseNothing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal"), null, null, new EdgeServer.Context()
            .maxConnectionAgeMs(500)
            .drainReconnectJitterMs(50)))
        {
            final RecordingListener listener = new RecordingListener();
            final List<Event> received = listener.events;
            final List<String> subscribed = listener.subscribed;
            push.engine.topic(TOPIC);
            try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
                .edges(List.of(URI.create("ws://127.0.0.1:" + push.edge.port())))
                .topics(List.of(TOPIC))
                .backoff(50, 500, 0.3), listener))
            {
                await(() -> subscribed.contains(TOPIC), () -> "not subscribed");
                // on until the edge has recycled the subscriber's connection twice: the count, not the clock, ends it
                int published = 0;
                while (published < 100 || push.edge.counters().fanOut().recycleCloses().get() < 2)
                {
                    final long sequence = push.engine.publish(
                        TOPIC, PayloadType.JSON, String.valueOf(++published).getBytes(StandardCharsets.US_ASCII));
                    assertTrue(sequence > 0, "publish " + published + ": " + sequence);
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
                final int total = published;
                await(() -> received.size() >= total, () -> "received " + received.size() + " of " + total + " (" +
                    gaps(received) + ")");
                assertEquals(total, received.size(), "every event once");
                for (int i = 0; i < total; i++)
                {
                    assertEquals(i + 1, received.get(i).topicSequence(), "topic sequence " + (i + 1) + ", in order");
                }
                // recycled twice: a third connection, which confirms the subscription again (it may still be opening)
                await(() -> subscribed.size() >= 3, () -> "subscribed " + subscribed.size() + " times");
            }
        }
    }

    @Test
    void aTokenAboutToExpireIsRefreshedInBandAndTheConnectionStaysOpen() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal"), null, null, new EdgeServer.Context()
            .jwtSecret(Tokens.SECRET)))
        {
            final AtomicInteger tokensGiven = new AtomicInteger();
            final RecordingListener listener = new RecordingListener();
            final List<Event> received = listener.events;
            final List<String> states = listener.states;
            push.engine.topic(TOPIC);
            // the first token has about 2 s left on the edge's clock (30 s of leeway), the next an hour
            final String expiring = Tokens.token("svc", -28_000, List.of("orders.*"), List.of());
            final String fresh = Tokens.token("svc", 3_600_000, List.of("orders.*"), List.of());
            try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
                .edges(List.of(URI.create("ws://127.0.0.1:" + push.edge.port())))
                .topics(List.of(TOPIC))
                .token(() -> 0 == tokensGiven.getAndIncrement() ? expiring : fresh)
                .backoff(50, 500, 0.3), listener))
            {
                await(() -> tokensGiven.get() >= 2, () -> "not refreshed: " + states);
                // published past the first token's expiry: the same connection carries on
                for (int i = 1; i <= 40; i++)
                {
                    push.engine.publish(TOPIC, PayloadType.JSON, String.valueOf(i).getBytes(StandardCharsets.US_ASCII));
                    Thread.sleep(100);
                }
                await(() -> received.size() >= 40, () -> "received " + received.size() + ", states " + states);
                assertEquals(1, states.stream().filter(s -> s.startsWith("OPEN")).count(),
                    "one connection, never closed for expiry: " + states);
                assertEquals(0, push.edge.counters().tokenExpiryCloses().get());
            }
        }
    }

    @Test
    void subscribesAndUnsubscribesLive() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal")))
        {
            final RecordingListener listener = new RecordingListener();
            final List<Event> received = listener.events;
            final List<String> subscribed = listener.subscribed;
            push.engine.topic("live.a");
            push.engine.topic("live.b");
            push.engine.topic("live.c");
            try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
                .edges(List.of(URI.create("ws://127.0.0.1:" + push.edge.port())))
                .topics(List.of("live.a"))
                .snapshot(false), listener))
            {
                await(() -> subscribed.contains("live.a"), () -> "not subscribed to live.a");
                subscriber.subscribe("live.b");
                await(() -> subscribed.contains("live.b"), () -> "not subscribed to live.b: " + subscribed);
                publish(push, "live.a");
                publish(push, "live.b");
                await(() -> received.size() == 2, () -> "received " + listener.topicsAndSequences());
                assertEquals(List.of("live.a#1", "live.b#1"), listener.topicsAndSequences());

                subscriber.unsubscribe("live.b");
                // the edge takes a connection's messages in order: once live.c is confirmed, the Unsubscribe is done
                subscriber.subscribe("live.c");
                await(() -> subscribed.contains("live.c"), () -> "not subscribed to live.c");
                publish(push, "live.b");
                publish(push, "live.a");
                await(() -> received.size() == 3, () -> "received " + listener.topicsAndSequences());
                assertEquals(List.of("live.a#1", "live.b#1", "live.a#2"), listener.topicsAndSequences(),
                    "nothing of live.b any more");
            }
        }
    }

    @Test
    void aTopicSubscribedLaterStartsWithItsCurrentValueEvenIfOlderThanTheCursor() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal")))
        {
            final RecordingListener listener = new RecordingListener();
            push.engine.topic("snap.a");
            publish(push, "snap.b"); // b's value, older than what the subscriber will have seen of a
            try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
                .edges(List.of(URI.create("ws://127.0.0.1:" + push.edge.port())))
                .topics(List.of("snap.a")), listener))
            {
                await(() -> listener.subscribed.contains("snap.a"), () -> "not subscribed to snap.a");
                publish(push, "snap.a");
                publish(push, "snap.a");
                await(() -> listener.events.size() == 2, () -> "received " + listener.topicsAndSequences());

                subscriber.subscribe("snap.b"); // with a snapshot (the default)
                await(() -> listener.events.size() == 3, () -> "received " + listener.topicsAndSequences());
                assertEquals(List.of("snap.a#1", "snap.a#2", "snap.b#1"), listener.topicsAndSequences(),
                    "b's current value, though its sequence is below the cursor");
                publish(push, "snap.b");
                await(() -> listener.events.size() == 4, () -> "received " + listener.topicsAndSequences());
                assertEquals("snap.b#2", listener.topicsAndSequences().get(3), "then live");
            }
        }
    }

    @Test
    void aMaximumFrequencyPerTopicIsKeptAcrossReconnectsAndChangedLive() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal")))
        {
            final RecordingListener listener = new RecordingListener();
            push.engine.topic("rate.slow");
            push.engine.topic("rate.full");
            try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
                .edges(List.of(URI.create("ws://127.0.0.1:" + push.edge.port())))
                .topics(List.of("rate.slow", "rate.full"))
                .maxFrequency("rate.slow", 1)
                .snapshot(false), listener))
            {
                await(() -> listener.subscribed.containsAll(List.of("rate.slow", "rate.full")));
                burst(push, 200);
                await(() -> countOf(listener, "rate.full") == 200 && lastTopicSequence(listener, "rate.slow") == 200,
                    () -> "received " + countOf(listener, "rate.slow") + " slow, " + countOf(listener, "rate.full"));
                assertTrue(countOf(listener, "rate.slow") <= 10, "1/s: " + countOf(listener, "rate.slow"));

                // reconnect (edge restart): the frequency travels in the URL (rate.rate.slow=1)
                push.restartEdge(new EdgeServer.Context());
                await(() -> listener.subscribed.stream().filter("rate.slow"::equals).count() == 2);
                final int slowBefore = countOf(listener, "rate.slow");
                burst(push, 200);
                await(() -> lastTopicSequence(listener, "rate.slow") == 400);
                assertTrue(countOf(listener, "rate.slow") - slowBefore <= 10, "still 1/s after the reconnect");

                subscriber.updateSubscription("rate.slow", 0); // live: every event again
                await(() -> listener.subscribed.stream().filter("rate.slow"::equals).count() == 3,
                    () -> "the update is confirmed: " + listener.subscribed);
                final int slowAfterUpdate = countOf(listener, "rate.slow");
                burst(push, 100);
                await(() -> lastTopicSequence(listener, "rate.slow") == 500);
                assertEquals(100, countOf(listener, "rate.slow") - slowAfterUpdate, "unthrottled after the update");

                subscriber.subscribe("rate.bad", 5000);
                await(() -> !listener.errors.isEmpty(), () -> "no error for a frequency above the maximum");
                assertTrue(listener.errors.get(0).contains("from 1 to 1000"), listener.errors.toString());
                for (final String topic : List.of("rate.slow", "rate.full"))
                {
                    // in order per topic (a throttled topic's latest value may follow newer events of another)
                    final List<Long> topicSequences = listener.events.stream().filter(e -> topic.equals(e.topic()))
                        .map(Event::topicSequence).toList();
                    for (int i = 1; i < topicSequences.size(); i++)
                    {
                        assertTrue(topicSequences.get(i) > topicSequences.get(i - 1), topic + ": " + topicSequences);
                    }
                }
            }
        }
    }

    private static void burst(final EmbeddedPush push, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            publish(push, "rate.slow");
            publish(push, "rate.full");
        }
    }

    private static int countOf(final RecordingListener listener, final String topic)
    {
        return (int)listener.events.stream().filter(e -> topic.equals(e.topic())).count();
    }

    private static long lastTopicSequence(final RecordingListener listener, final String topic)
    {
        return listener.events.stream().filter(e -> topic.equals(e.topic())).mapToLong(Event::topicSequence)
            .max().orElse(0);
    }

    private static void publish(final EmbeddedPush push, final String topic)
    {
        assertTrue(push.engine.publish(topic, PayloadType.JSON, "1".getBytes(StandardCharsets.US_ASCII)) > 0);
    }

    @Test
    void anUnreachableEdgeIsRetriedWithBackoffThenTheSubscriberGivesUp() throws Exception
    {
        final RecordingListener listener = new RecordingListener();
        final List<String> states = listener.states;
        final int unusedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0))
        {
            unusedPort = socket.getLocalPort();
        }
        try (PushSubscriber subscriber = PushSubscriber.connect(new PushSubscriber.Context()
            .edges(List.of(URI.create("ws://127.0.0.1:" + unusedPort)))
            .topics(List.of(TOPIC))
            .backoff(20, 100, 0.3)
            .maxAttempts(3), listener))
        {
            await(() -> PushSubscriber.State.FAILED == subscriber.state(), () -> "states " + states);
            assertEquals(3, states.stream().filter(s -> s.startsWith("RECONNECTING") && s.contains("attempt")).count(),
                "three attempts, then it gives up: " + states);
        }
    }

    /**
     * The topic sequences missing from what was received, for a failure message.
     */
    private static String gaps(final List<Event> received)
    {
        final StringBuilder gaps = new StringBuilder();
        long expected = 1;
        for (final Event event : received)
        {
            if (event.topicSequence() != expected)
            {
                gaps.append(expected).append("..").append(event.topicSequence() - 1).append(' ');
            }
            expected = event.topicSequence() + 1;
        }
        return gaps.append("last ").append(expected - 1).toString();
    }

    /**
     * One event as the listener got it (the payload copied out of the view, for the assertions).
     */
    record Event(long globalSequence, String topic, long topicSequence, String payload)
    {
    }

    /**
     * Records what a subscriber tells its application: events (and any that came out of order), confirmed
     * subscriptions, state changes.
     */
    private static final class RecordingListener implements PushSubscriber.Listener
    {
        final List<Event> events = new CopyOnWriteArrayList<>();
        final List<String> subscribed = new CopyOnWriteArrayList<>();
        final List<String> states = new CopyOnWriteArrayList<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        final AtomicInteger outOfOrder = new AtomicInteger();

        public void onError(final int code, final String reason)
        {
            errors.add(code + " " + reason);
        }

        public void onEvent(
            final long globalSequence,
            final String topic,
            final long topicSequence,
            final long timestampNs,
            final PayloadType payloadType,
            final DirectBuffer payload,
            final int offset,
            final int length)
        {
            if (!events.isEmpty() && events.get(events.size() - 1).globalSequence() >= globalSequence)
            {
                outOfOrder.incrementAndGet();
            }
            events.add(new Event(
                globalSequence, topic, topicSequence, payload.getStringWithoutLengthUtf8(offset, length)));
        }

        public void onSubscribed(final String topic, final long topicSequence)
        {
            subscribed.add(topic);
        }

        public void onStateChange(final PushSubscriber.State state, final String detail)
        {
            states.add(state + ": " + detail);
        }

        List<String> topicsAndSequences()
        {
            return events.stream().map(event -> event.topic() + "#" + event.topicSequence()).toList();
        }
    }

    private static EdgeServer.Context edgeContext()
    {
        return new EdgeServer.Context().drainMs(200).drainReconnectJitterMs(100);
    }
}
