package io.pushengine.edge;

import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.SubscribeEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshot on subscribe: the current value of each topic, between snapshot markers, then live updates with no gap
 * and no duplicate at the seam. The values survive a restart of the engine and the edge (the engine rebuilds its
 * last-value cache from the journal and gives it to the edge with the catalog).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnapshotTest
{
    @TempDir
    File journalDir;

    @Test
    void snapshotAfterRestartComesFromTheJournalThenLive() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.publish("s.A", PayloadType.TEXT, bytes("a1"));
            push.engine.publish("s.B", PayloadType.TEXT, bytes("b1"));
            push.engine.publish("s.A", PayloadType.TEXT, bytes("a2"));
            push.engine.publish("s.A", PayloadType.TEXT, bytes("a3"));
            push.engine.publish("s.B", PayloadType.TEXT, bytes("b2"));
            push.engine.topic("s.C"); // declared, never published
        }

        try (EmbeddedPush push = new EmbeddedPush(journalDir); // a new engine and edge on the same journal
            WebSocketTestClient ws = new WebSocketTestClient(push.ws("/ws?topics=s.A,s.B,s.C&snapshot=true"));
            SseTestClient sse = new SseTestClient(push.http("/sse?topics=s.A,s.B,s.C&snapshot=true")))
        {
            final long[] end = ws.snapshotEnd.get(10, TimeUnit.SECONDS);
            assertEquals(0, ws.snapshotBegin.get(10, TimeUnit.SECONDS));
            assertEquals(5, end[0], "as of the last journaled sequence");
            assertEquals(2, end[1], "a value for each topic that has one");
            assertEquals(2, end[2]);
            final Map<String, WebSocketTestClient.Event> values = new HashMap<>();
            ws.events.subList(0, 2).forEach(e -> values.put(e.topic(), e));
            assertEquals("a3", values.get("s.A").payload());
            assertEquals(3, values.get("s.A").topicSequence());
            assertEquals(4, values.get("s.A").globalSequence());
            assertEquals("b2", values.get("s.B").payload());
            assertEquals(5, values.get("s.B").globalSequence());

            await(() -> sse.events.stream().anyMatch(e -> "$snapshot-end".equals(e.event())));
            final List<String> sseNames = sse.events.stream().map(SseTestClient.Event::event).toList();
            assertEquals("$snapshot-begin", sseNames.get(0));
            assertEquals("$snapshot-end", sseNames.get(3));
            assertTrue(sseNames.subList(1, 3).containsAll(List.of("s.A", "s.B")), sseNames.toString());
            assertEquals(5, sse.events.get(3).id(), "snapshot-end carries the id to resume from");
            assertTrue(sse.events.get(3).data().contains("\"asOfSequence\":5"), sse.events.get(3).data());

            push.engine.publish("s.A", PayloadType.TEXT, bytes("a4"));
            await(() -> ws.events.size() == 3 && sse.events.size() == 5);
            assertEquals(4, ws.events.get(2).topicSequence());
            assertEquals(6, ws.events.get(2).globalSequence());
            assertEquals(6, sse.events.get(4).id());

            // a topic added later on the same connection, with a snapshot of its own
            final long correlationId = 77;
            ws.sendBinary(subscribe(correlationId, "s.B", true));
            await(() -> ws.events.size() == 3); // s.B already subscribed: no second snapshot value
            try (WebSocketTestClient late = new WebSocketTestClient(push.ws("/ws?topics=s.C")))
            {
                await(() -> late.topicNames.containsValue("s.C"));
                late.sendBinary(subscribe(correlationId, "s.A", true));
                final long[] lateEnd = late.snapshotEnd.get(10, TimeUnit.SECONDS);
                assertEquals(6, lateEnd[0]);
                assertEquals(1, lateEnd[1]);
                assertEquals("a4", late.events.get(0).payload());
            }
        }
    }

    @Test
    void snapshotUnderLoadThenLiveWithNoGapAndNoDuplicate() throws Exception
    {
        final String[] topics = { "l.A", "l.B", "l.C", "l.D" };
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(1024 * 1024)))
        {
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread publisher = new Thread(() ->
            {
                int i = 0;
                while (running.get())
                {
                    push.engine.publish(topics[i % topics.length], PayloadType.TEXT, bytes("v" + i));
                    if (++i % 4 == 0)
                    {
                        sleepMs(1);
                    }
                }
            }, "snapshot-publisher");
            publisher.start();
            try
            {
                final List<WebSocketTestClient> clients = new ArrayList<>();
                for (int c = 0; c < 5; c++)
                {
                    await(() -> push.engine.lastGlobalSequence() > 50);
                    sleepMs(30); // join at different points of the stream
                    clients.add(new WebSocketTestClient(push.ws("/ws?topics=l.A,l.B,l.C,l.D&snapshot=true")));
                }
                for (final WebSocketTestClient client : clients)
                {
                    final long[] end = client.snapshotEnd.get(10, TimeUnit.SECONDS);
                    await(() -> client.events.size() > end[2] + 40);
                    assertSnapshotThenContiguous(client, end, topics.length);
                }
                clients.forEach(WebSocketTestClient::close);
            }
            finally
            {
                running.set(false);
                publisher.join();
            }
        }
    }

    private static void assertSnapshotThenContiguous(
        final WebSocketTestClient client, final long[] end, final int topicCount)
    {
        final List<WebSocketTestClient.Event> events = new ArrayList<>(client.events);
        final int valueCount = (int)end[1];
        assertEquals(topicCount, valueCount, "every topic has a value under load");
        assertEquals(valueCount, end[2], "values come between the markers");
        final Map<String, Long> lastTopicSequence = new HashMap<>();
        long lastGlobal = 0;
        for (int i = 0; i < events.size(); i++)
        {
            final WebSocketTestClient.Event event = events.get(i);
            final Long previous = lastTopicSequence.put(event.topic(), event.topicSequence());
            if (i < valueCount)
            {
                assertTrue(event.globalSequence() <= end[0], "a snapshot value is as of the snapshot");
                assertEquals(null, previous, "one value per topic");
                continue;
            }
            assertTrue(event.globalSequence() > end[0], "live events are newer than the snapshot");
            assertTrue(event.globalSequence() > lastGlobal, "live events in order");
            lastGlobal = event.globalSequence();
            assertEquals(previous + 1, event.topicSequence(),
                "no gap and no duplicate on " + event.topic() + " after the snapshot");
        }
    }

    static byte[] subscribe(final long correlationId, final String topic, final boolean snapshot)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final SubscribeEncoder encoder = new SubscribeEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .fromSequence(SubscribeEncoder.fromSequenceNullValue())
            .snapshot((short)(snapshot ? 1 : 0))
            .topicName(topic);
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleepMs(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
