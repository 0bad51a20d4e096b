package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /publish/{topic}} with {@code Content-Type: application/x-ndjson}: each line one event, published in
 * order and answered once the last is journaled; a bad line refuses the whole batch with its line number, and
 * nothing of it is published.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchPublishTest
{
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void everyLineIsOneEventInOrderAndTheAnswerNamesTheFirstAndLast() throws Exception
    {
        final int count = 1_000;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context());
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=batch")))
        {
            push.engine.topic("batch");
            await(() -> client.topicNames.size() == 1);
            final StringBuilder body = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                body.append("{\"i\":").append(i).append("}\n");
            }

            final HttpResponse<String> response = post(push, "/publish/batch", body.toString().getBytes(
                StandardCharsets.UTF_8));

            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.body().contains("\"count\":" + count), response.body());
            assertTrue(response.body().contains("\"firstTopicSequence\":1,"), response.body());
            assertTrue(response.body().contains("\"lastTopicSequence\":" + count + "}"), response.body());
            await(() -> client.events.size() == count);
            for (int i = 0; i < count; i++)
            {
                final WebSocketTestClient.Event event = client.events.get(i);
                assertEquals(i + 1, event.topicSequence());
                assertEquals("{\"i\":" + i + "}", event.payload(), "line " + (i + 1) + " as published");
            }
            assertEquals(count, push.edge.counters().publishRequests().get());
        }
    }

    @Test
    void aBadLineRefusesTheWholeBatchWithItsLineNumberAndPublishesNothing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxPayloadLength(100)))
        {
            final ByteArrayOutputStream notUtf8 = new ByteArrayOutputStream();
            notUtf8.write("{\"a\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
            notUtf8.write(new byte[]{ '"', (byte)0xC3, (byte)0x28, '"', '\n' });
            final HttpResponse<String> badUtf8 = post(push, "/publish/t", notUtf8.toByteArray());
            assertEquals(400, badUtf8.statusCode());
            assertTrue(badUtf8.body().contains("line 3: not valid UTF-8"), badUtf8.body());

            final HttpResponse<String> empty = post(push, "/publish/t", "{}\n\n{}\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, empty.statusCode());
            assertTrue(empty.body().contains("line 2: empty"), empty.body());

            final HttpResponse<String> tooLong = post(push, "/publish/t",
                ("{}\n\"" + "x".repeat(200) + "\"\n").getBytes(StandardCharsets.UTF_8));
            assertEquals(413, tooLong.statusCode());
            assertTrue(tooLong.body().contains("line 2: 202 bytes, larger than the 100-byte maximum"), tooLong.body());

            final HttpResponse<String> badTopic = post(push, "/publish/bad%20topic", "{}\n".getBytes(
                StandardCharsets.UTF_8));
            assertEquals(400, badTopic.statusCode());

            assertEquals(0, push.engine.lastGlobalSequence(), "nothing of a refused batch was published");
            assertEquals(4, push.edge.counters().httpRejected().get(), "every refusal counted");
        }
    }

    /**
     * A batch is awaited under its first and its last correlation id, in the same slots as single publishes; a batch
     * of one under its one id. Batches in a row, alternating with single POSTs, each answered with its own range,
     * and nothing left awaited.
     */
    @Test
    void batchesOfOneAndOfManyInARowAreEachAnsweredWithTheirOwnSequences() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()))
        {
            long expectedLast = 0;
            for (int round = 0; round < 300; round++)
            {
                final int count = 1 + round % 4;
                final StringBuilder body = new StringBuilder();
                for (int i = 0; i < count; i++)
                {
                    body.append("{\"r\":").append(round).append(",\"i\":").append(i).append("}\n");
                }
                final HttpResponse<String> batch = post(push, "/publish/rows", body.toString().getBytes(
                    StandardCharsets.UTF_8));
                assertEquals(200, batch.statusCode(), batch.body());
                final long first = expectedLast + 1;
                expectedLast += count;
                assertTrue(batch.body().contains("\"count\":" + count + ",\"firstSequence\":" + first +
                    ",\"lastSequence\":" + expectedLast + ","), "round " + round + ": " + batch.body());

                final HttpResponse<String> single = http.send(HttpRequest.newBuilder(push.http("/publish/rows"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"single\":" + round + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, single.statusCode(), single.body());
                expectedLast++;
                assertTrue(single.body().contains("\"sequence\":" + expectedLast), single.body());
            }
            assertEquals(expectedLast, push.engine.lastGlobalSequence());
            assertEquals(0, push.edge.counters().publishesAwaitingAck().get(), "a timeout left armed");
        }
    }

    /**
     * The engine stops taking (its agents paused: its ingress, a 64 KiB term, fills) while a batch is offered: the
     * edge goes on offering a millisecond at a time, never blocking its IO thread, until the acknowledgement timeout,
     * then answers 503 with how many of the first events went. Those are journaled once the engine runs again, in
     * order, and nothing after them; the edge takes the next batch as usual.
     */
    @Test
    void aBatchTheEngineStopsTakingIsAnswered503WithHowManyOfItsFirstEventsWent() throws Exception
    {
        final int count = 300;
        try (PausableEngine engine = new PausableEngine(new io.pushengine.engine.PushEngine.Context()
            .journalDir(journalDir).termBufferLength(64 * 1024));
            EdgeServer edge = engine.edge(new EdgeServer.Context().publishTimeoutMs(500));
            WebSocketTestClient client = new WebSocketTestClient(
                java.net.URI.create("ws://127.0.0.1:" + edge.port() + "/ws?topics=bp")))
        {
            await(() -> edge.counters().fanOut().subscriptions().get() == 1);
            final String padding = "x".repeat(900); // ~1 KB an event: the 32 KiB the ingress takes is ~30 events
            final StringBuilder body = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                body.append("{\"i\":").append(i).append(",\"pad\":\"").append(padding).append("\"}\n");
            }
            final long rejectedBefore = edge.counters().httpRejected().get();
            engine.pause();

            final HttpResponse<String> refused = post(edge.port(), "/publish/bp",
                body.toString().getBytes(StandardCharsets.UTF_8));

            assertEquals(503, refused.statusCode(), refused.body());
            final java.util.regex.Matcher went = java.util.regex.Pattern.compile(
                "engine unavailable after (\\d+) of " + count + " events \\(BACK_PRESSURED\\): the first (\\d+) " +
                "were published, the rest not; send the rest again").matcher(refused.body());
            assertTrue(went.find(), refused.body());
            final int published = Integer.parseInt(went.group(1));
            assertEquals(published, Integer.parseInt(went.group(2)));
            assertTrue(published > 0 && published < count, "some went before the ingress filled: " + published);
            assertEquals(rejectedBefore + 1, edge.counters().httpRejected().get(), "the 503 counted");
            assertEquals(published, edge.counters().publishRequests().get(), "what was offered, counted");
            assertEquals(0, edge.counters().publishesAwaitingAck().get(), "no timeout left armed");

            engine.resume();
            await(() -> client.events.size() == published,
                () -> client.events.size() + " of the " + published + " published delivered");
            for (int i = 0; i < published; i++)
            {
                assertTrue(client.events.get(i).payload().startsWith("{\"i\":" + i + ","), "event " + i + " in order");
            }
            final HttpResponse<String> next = post(edge.port(), "/publish/bp",
                "{\"after\":1}\n{\"after\":2}\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, next.statusCode(), next.body());
            assertTrue(next.body().contains("\"firstTopicSequence\":" + (published + 1) + ","),
                "nothing of the refused rest was journaled: " + next.body());
            await(() -> client.events.size() == published + 2);
            assertEquals("{\"after\":2}", client.events.get(published + 1).payload());
        }
    }

    /**
     * The same stall, ended before the acknowledgement timeout: the edge was offering a millisecond at a time, so the
     * batch goes on from where the ingress filled and is answered 200, every event once and in order.
     */
    @Test
    void aBatchOfferedIntoAFullIngressGoesOnOnceTheEngineTakesAgain() throws Exception
    {
        final int count = 300;
        try (PausableEngine engine = new PausableEngine(new io.pushengine.engine.PushEngine.Context()
            .journalDir(journalDir).termBufferLength(64 * 1024));
            EdgeServer edge = engine.edge(new EdgeServer.Context().publishTimeoutMs(30_000));
            WebSocketTestClient client = new WebSocketTestClient(
                java.net.URI.create("ws://127.0.0.1:" + edge.port() + "/ws?topics=bq")))
        {
            await(() -> edge.counters().fanOut().subscriptions().get() == 1);
            final String padding = "y".repeat(900);
            final StringBuilder body = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                body.append("{\"i\":").append(i).append(",\"pad\":\"").append(padding).append("\"}\n");
            }
            engine.pause();
            final java.util.concurrent.CompletableFuture<HttpResponse<String>> answer = http.sendAsync(
                HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + edge.port() + "/publish/bq"))
                    .header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
            await(() -> edge.counters().publishRequests().get() > 0, () -> "nothing offered");
            assertTrue(edge.counters().publishRequests().get() < count,
                "the ingress is full part way: " + edge.counters().publishRequests().get() + " offered");
            assertTrue(!answer.isDone(), "not answered while the engine is stopped");

            engine.resume();
            final HttpResponse<String> done = answer.get(20, TimeUnit.SECONDS);
            assertEquals(200, done.statusCode(), done.body());
            assertTrue(done.body().contains("\"count\":" + count + ",") &&
                done.body().contains("\"firstTopicSequence\":1,") &&
                done.body().contains("\"lastTopicSequence\":" + count + "}"), done.body());
            await(() -> client.events.size() == count, () -> client.events.size() + " of " + count + " delivered");
            for (int i = 0; i < count; i++)
            {
                assertTrue(client.events.get(i).payload().startsWith("{\"i\":" + i + ","), "event " + i + " in order");
            }
            assertEquals(count, edge.counters().publishRequests().get(), "each offered once");
        }
    }

    private HttpResponse<String> post(final int port, final String path, final byte[] body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(final EmbeddedPush push, final String path, final byte[] body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(push.http(path))
            .header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(), HttpResponse.BodyHandlers.ofString());
    }
}
