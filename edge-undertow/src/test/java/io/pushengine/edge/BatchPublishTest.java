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

    private HttpResponse<String> post(final EmbeddedPush push, final String path, final byte[] body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(push.http(path))
            .header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(), HttpResponse.BodyHandlers.ofString());
    }
}
