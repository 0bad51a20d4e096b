package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code push.edge.max.connection.age.ms}: a connection that old is closed with 1001, a reason saying it was
 * recycled and a {@code retry-after-ms} hint; a client that reconnects with {@code from=} its last sequence (as the
 * browser client does) misses nothing and gets nothing twice, while events flow.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecycleTest
{
    private static final int EVENTS = 300;

    @TempDir
    File journalDir;

    @Test
    void oldConnectionsAreRecycledAndAResumingClientMissesNothing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxConnectionAgeMs(1_000)
            .drainReconnectJitterMs(100)))
        {
            final Topic topic = push.engine.topic("r");
            final AtomicBoolean publishing = new AtomicBoolean(true);
            final AtomicInteger published = new AtomicInteger();
            final Thread publisher = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
                // at least EVENTS, and on until the edge has recycled twice: the count, not the clock, ends it
                for (int i = 1; i <= EVENTS || push.edge.counters().fanOut().recycleCloses().get() < 2; i++)
                {
                    payload.putLong(0, i);
                    while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, 8) < 0)
                    {
                        Thread.onSpinWait();
                    }
                    published.set(i);
                    try
                    {
                        Thread.sleep(10); // events flow while connections are recycled under them
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                }
                publishing.set(false);
            });

            final List<Long> topicSequences = new ArrayList<>();
            final List<String> closeReasons = new ArrayList<>();
            long lastSequence = 0;
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=r"));
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            publisher.start();
            while (true)
            {
                final WebSocketTestClient current = client;
                // complete when the last event published has arrived, on this connection or, if it was recycled
                // just after it had every event, on one before it (then this one gets nothing new)
                final long receivedBefore = topicSequences.isEmpty() ? 0 :
                    topicSequences.get(topicSequences.size() - 1);
                await(() -> current.closeCode.isDone() || (!publishing.get() && published.get() ==
                    (current.events.isEmpty() ? receivedBefore :
                    current.events.get(current.events.size() - 1).topicSequence())),
                    () -> "neither recycled nor complete");
                for (final WebSocketTestClient.Event event : current.events)
                {
                    topicSequences.add(event.topicSequence());
                    lastSequence = event.globalSequence();
                }
                if (!current.closeCode.isDone())
                {
                    current.close();
                    break;
                }
                assertEquals(1001, current.closeCode.get());
                closeReasons.add(current.closeReason);
                client = new WebSocketTestClient(push.ws("/ws?topics=r&from=" + lastSequence));
            }
            publisher.join();

            assertTrue(closeReasons.size() >= 2, "the client saw " + closeReasons.size() + " recycles");
            for (final String reason : closeReasons)
            {
                assertTrue(reason.contains("connection recycled after") && reason.contains("retry-after-ms="), reason);
            }
            final int total = published.get();
            assertEquals(total, topicSequences.size(), "every event once across " + closeReasons.size() +
                " reconnects");
            for (int i = 0; i < total; i++)
            {
                assertEquals(i + 1, topicSequences.get(i), "in order at " + i);
            }
            assertEquals(closeReasons.size(), push.edge.counters().fanOut().recycleCloses().get());
        }
    }
}
