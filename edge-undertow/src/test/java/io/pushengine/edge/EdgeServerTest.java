package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.client.PublishResult;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The walking skeleton end to end: publisher -> sequencer -> journal -> Aeron -> edge -> WebSocket and SSE clients,
 * over real sockets on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeServerTest
{
    static final int EVENT_COUNT = 1_000;

    @TempDir
    File journalDir;

    EmbeddedPush push;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start()
    {
        // These tests publish 1,000 events in one burst and check completeness and order, not backpressure: give
        // each connection a ring that holds the whole burst (the default 64 KiB holds ~400 SSE events, and a
        // connection whose ring fills is closed as a slow consumer; see SlowConsumerTest).
        push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context().ringCapacity(1024 * 1024));
    }

    @AfterEach
    void stop()
    {
        push.close();
    }

    @Test
    void webSocketClientReceivesEveryEventInOrderWithContiguousTopicSequences() throws Exception
    {
        final Topic[] topics = { push.engine.topic("prices.A"), push.engine.topic("prices.B") };
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=prices.A,prices.B")))
        {
            await(() -> client.topicNames.size() == 2, () -> "Subscribed for both topics: " + client.topicNames);
            publish(topics, EVENT_COUNT);

            await(() -> client.events.size() >= EVENT_COUNT, () -> "received " + client.events.size());
            assertEquals(EVENT_COUNT, client.events.size());
            assertInOrder(client.events.stream().map(e -> new Object[]{ e.globalSequence(), e.topic(),
                e.topicSequence(), e.payload() }).toList());
            assertTrue(client.frames.size() < EVENT_COUNT + 2, "events are batched into frames when they queue up");
        }
    }

    @Test
    void sseClientReceivesEveryEventInOrderAsJson() throws Exception
    {
        final Topic[] topics = { push.engine.topic("prices.A"), push.engine.topic("prices.B") };
        try (SseTestClient client = new SseTestClient(push.http("/sse?topics=prices.A,prices.B")))
        {
            assertEquals(200, client.response.statusCode());
            assertEquals("text/event-stream; charset=utf-8",
                client.response.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("no-cache", client.response.headers().firstValue("Cache-Control").orElseThrow());
            assertEquals("no", client.response.headers().firstValue("X-Accel-Buffering").orElseThrow());
            awaitSubscribers(2);

            publish(topics, EVENT_COUNT);
            await(() -> client.events.size() >= EVENT_COUNT, () -> "received " + client.events.size());
            assertEquals(EVENT_COUNT, client.events.size());

            final SseTestClient.Event first = client.events.get(0);
            assertEquals(1, first.id());
            assertEquals("prices.A", first.event());
            assertTrue(first.data().startsWith("{\"sequence\":1,\"topic\":\"prices.A\",\"topicSequence\":1,"),
                first.data());
            assertTrue(first.data().endsWith("\"type\":\"TEXT\",\"payload\":\"event-0\"}"), first.data());
            assertInOrder(client.events.stream().map(e -> new Object[]{ e.id(), e.event(),
                topicSequenceOf(e.data()), payloadOf(e.data()) }).toList());
        }
    }

    @Test
    void sseSendsCommentHeartbeatsWhileIdle() throws Exception
    {
        push.close();
        push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context().heartbeatIntervalMs(100));
        try (SseTestClient client = new SseTestClient(push.http("/sse?topics=quiet")))
        {
            await(() -> client.comments.contains(": heartbeat"), () -> "comments " + client.comments);
        }
    }

    @Test
    void publishOverHttpAnswersWithTheJournaledSequenceAndReachesSubscribers() throws Exception
    {
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=news")))
        {
            awaitSubscribers(1);
            final HttpResponse<String> response = post("/publish/news", "text/plain", "hello");
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("{\"sequence\":1,\"topic\":\"news\",\"topicSequence\":1}\n", response.body());

            await(() -> client.events.size() == 1);
            assertEquals("hello", client.events.get(0).payload());
            assertEquals("news", client.events.get(0).topic(), "named by the Subscribed sent when news was declared");
        }

        final HttpResponse<String> topics = get("/topics");
        assertEquals(200, topics.statusCode());
        assertEquals("[{\"topic\":\"news\",\"number\":1,\"topicSequence\":1}]\n", topics.body());
    }

    @Test
    void healthAndMetricsReportTheEdge() throws Exception
    {
        final HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("\"status\":\"UP\""), health.body());

        final long sequence = push.engine.publish("t", PayloadType.TEXT, "x".getBytes());
        await(() -> metric("push_edge_events_in_total") == 1);
        final HttpResponse<String> ready = get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"status\":\"READY\",\"streamPosition\":" + sequence), ready.body());
        final String metrics = get("/metrics").body();
        assertTrue(metrics.contains("# TYPE push_engine_events_sequenced_total counter"), metrics);
        assertTrue(metrics.contains("push_engine_events_sequenced_total{source=\"engine\"} 1.0"), metrics);
        assertTrue(metrics.contains("# TYPE push_edge_connections gauge"), metrics);
        assertTrue(metrics.contains("\nprocess_cpu_seconds_total "), metrics);
        assertTrue(metrics.contains("\nprocess_resident_memory_bytes "), metrics);
        assertTrue(metrics.contains("\njvm_memory_used_bytes{area=\"heap\"} "), metrics);
        assertTrue(metrics.contains("\njvm_buffer_pool_used_bytes{pool=\"direct\"} "), metrics);
    }

    // ---------------------------------------------------------------- helpers

    private void publish(final Topic[] topics, final int count)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        for (int i = 0; i < count; i++)
        {
            final int length = payload.putStringWithoutLengthAscii(0, "event-" + i);
            long result;
            while ((result = push.engine.offer(topics[i % topics.length], PayloadType.TEXT, payload, 0, length)) ==
                PublishResult.BACK_PRESSURED)
            {
                Thread.yield();
            }
            assertTrue(result > 0, PublishResult.describe(result));
        }
    }

    /**
     * Rows of (global sequence, topic, topic sequence, payload) as published by {@link #publish}: global sequences
     * contiguous from 1, topics alternate, topic sequences contiguous per topic, payload event-i.
     */
    private static void assertInOrder(final List<Object[]> rows)
    {
        final Map<String, Long> lastTopicSequence = new HashMap<>();
        for (int i = 0; i < rows.size(); i++)
        {
            final Object[] row = rows.get(i);
            assertEquals(i + 1L, ((Number)row[0]).longValue(), "global sequence at " + i);
            assertEquals(i % 2 == 0 ? "prices.A" : "prices.B", row[1], "topic at " + i);
            final long expected = lastTopicSequence.merge((String)row[1], 1L, Long::sum);
            assertEquals(expected, ((Number)row[2]).longValue(), "topic sequence at " + i);
            assertEquals("event-" + i, row[3]);
        }
    }

    private static long topicSequenceOf(final String json)
    {
        final int start = json.indexOf("\"topicSequence\":") + 16;
        return Long.parseLong(json.substring(start, json.indexOf(',', start)));
    }

    private static String payloadOf(final String json)
    {
        final int start = json.indexOf("\"payload\":\"") + 11;
        return json.substring(start, json.indexOf('"', start));
    }

    void awaitSubscribers(final int count)
    {
        // a subscription is live once the fan-out has applied it; the connections gauge is the visible proxy and
        // the commands are applied in order, so wait for the gauge, then for one fan-out duty cycle via /topics
        await(() -> push.edge.counters().connections().get() >= 1);
        try
        {
            Thread.sleep(50);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    long metric(final String name)
    {
        try
        {
            for (final String line : get("/metrics").body().split("\n"))
            {
                if (line.startsWith(name + "{"))
                {
                    return (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return -1;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    HttpResponse<String> get(final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(push.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(final String path, final String contentType, final String body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(push.http(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
