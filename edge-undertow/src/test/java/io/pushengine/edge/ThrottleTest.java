package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * THROTTLE: a client asking {@code policy=throttle&rate=20} is sent at most 20 events per second per topic however
 * fast they are published, always the latest, and the final value of every topic arrives; a {@code byterate=} cap
 * holds a connection's bytes per second the same way.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ThrottleTest
{
    private static final int PER_TOPIC = 2_000;
    private static final int PAYLOAD_LENGTH = 1000;

    @TempDir
    File journalDir;

    @Test
    void throttledClientsNeverExceedTheirRateAndEndWithTheLatestValue() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(1024 * 1024));
            WebSocketTestClient byEvents = new WebSocketTestClient(
                push.ws("/ws?topics=tick.A,tick.B&policy=throttle&rate=20"));
            WebSocketTestClient byBytes = new WebSocketTestClient(
                push.ws("/ws?topics=tick.C&policy=throttle&rate=1000&byterate=20000"));
            WebSocketTestClient unthrottled = new WebSocketTestClient(push.ws("/ws?topics=tick.A")))
        {
            final Topic[] topics = { push.engine.topic("tick.A"), push.engine.topic("tick.B"),
                push.engine.topic("tick.C") };
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 4);

            final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD_LENGTH]);
            final long startNs = System.nanoTime();
            for (int i = 0; i < PER_TOPIC; i++)
            {
                while (System.nanoTime() - (startNs + TimeUnit.MILLISECONDS.toNanos(i)) < 0)
                {
                    Thread.sleep(1); // pacing: about 1,000 events/s per topic for 2 s
                }
                for (final Topic topic : topics)
                {
                    payload.putInt(0, i);
                    while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, PAYLOAD_LENGTH) < 0)
                    {
                        Thread.yield();
                    }
                }
            }

            await(() -> lastTopicSequence(byEvents.events, "tick.A") == PER_TOPIC &&
                lastTopicSequence(byEvents.events, "tick.B") == PER_TOPIC &&
                lastTopicSequence(byBytes.events, "tick.C") == PER_TOPIC,
                () -> "throttled clients did not end with the latest values: A " +
                lastTopicSequence(byEvents.events, "tick.A") + ", B " + lastTopicSequence(byEvents.events, "tick.B") +
                ", C " + lastTopicSequence(byBytes.events, "tick.C"));
            await(() -> unthrottled.events.size() == PER_TOPIC);

            for (final String name : new String[]{ "tick.A", "tick.B" })
            {
                final List<WebSocketTestClient.Event> received = byEvents.events.stream()
                    .filter(e -> e.topic().equals(name)).toList();
                final double spanSeconds = spanSeconds(received);
                assertTrue(received.size() >= 2, name + " received " + received.size());
                assertTrue(received.size() <= 20 * spanSeconds + 12, name + ": " + received.size() +
                    " events in " + spanSeconds + " s is more than 20/s");
                assertIncreasing(received, name);
            }

            final List<WebSocketTestClient.Event> c = byBytes.events;
            final double spanSeconds = spanSeconds(c);
            final long payloadBytes = (long)c.size() * PAYLOAD_LENGTH;
            assertTrue(payloadBytes <= 20_000 * spanSeconds + 2 * 2_000 + PAYLOAD_LENGTH, c.size() +
                " events of " + PAYLOAD_LENGTH + " bytes in " + spanSeconds + " s is more than 20,000 bytes/s");
            assertIncreasing(c, "tick.C");

            for (int i = 0; i < PER_TOPIC; i++)
            {
                assertEquals(i + 1, unthrottled.events.get(i).topicSequence(), "unthrottled client gets every event");
            }
            assertTrue(push.edge.counters().fanOut().throttled().get() > 0);
        }
    }

    private static long lastTopicSequence(final List<WebSocketTestClient.Event> events, final String topic)
    {
        long last = 0;
        for (final WebSocketTestClient.Event event : events)
        {
            if (event.topic().equals(topic))
            {
                last = event.topicSequence();
            }
        }
        return last;
    }

    private static double spanSeconds(final List<WebSocketTestClient.Event> events)
    {
        return (events.get(events.size() - 1).receivedNs() - events.get(0).receivedNs()) / 1e9;
    }

    private static void assertIncreasing(final List<WebSocketTestClient.Event> events, final String name)
    {
        for (int i = 1; i < events.size(); i++)
        {
            assertTrue(events.get(i).topicSequence() > events.get(i - 1).topicSequence(), name + " went backwards");
        }
    }
}
