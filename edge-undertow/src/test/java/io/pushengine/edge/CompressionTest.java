package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gzip where a client asks for it ({@code Accept-Encoding: gzip}) and the server allows it
 * ({@code push.edge.compression}): a poll's answer, and an SSE stream (flushed per write, so every event can be
 * inflated as it arrives; bounded in number). Clients that do not ask get plain answers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompressionTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void aPollAnswerIsGzippedForAClientThatAcceptsIt() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final StringBuilder payload = new StringBuilder("{\"rows\":[");
            for (int i = 0; i < 60; i++)
            {
                payload.append(i > 0 ? "," : "").append("{\"instrument\":\"EURUSD\",\"bid\":1.0845").append(i % 10)
                    .append(",\"ask\":1.0846").append(i % 10).append('}');
            }
            payload.append("]}");
            final long sequence = push.engine.publish("z.a", io.pushengine.codec.sbe.PayloadType.JSON,
                payload.toString().getBytes(StandardCharsets.UTF_8));
            final HttpResponse<String> first = HTTP.send(HttpRequest.newBuilder(
                push.http("/poll?topics=z.a&after=" + (sequence - 1))).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(sequence > 0, "published: " + sequence);
            assertEquals(200, first.statusCode(), first.body());
            final HttpResponse<byte[]> gzipped = HTTP.send(HttpRequest.newBuilder(
                push.http("/poll?topics=z.a&after=" + (sequence - 1))).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, gzipped.statusCode(), new String(gzipped.body(), StandardCharsets.UTF_8));
            assertEquals("gzip", gzipped.headers().firstValue("Content-Encoding").orElse(""));
            final String unzipped = new String(
                new GZIPInputStream(new java.io.ByteArrayInputStream(gzipped.body())).readAllBytes(),
                StandardCharsets.UTF_8);
            final HttpResponse<String> plain = HTTP.send(HttpRequest.newBuilder(
                push.http("/poll?topics=z.a&after=" + (sequence - 1))).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(plain.headers().firstValue("Content-Encoding").isEmpty(), "not asked: not compressed");
            assertEquals(plain.body(), unzipped, "the same answer");
            assertTrue(gzipped.body().length * 4 < plain.body().length(),
                gzipped.body().length + " bytes gzipped for " + plain.body().length());
        }
    }

    @Test
    void aPollAnswerShorterThanTheMinimumIsSentPlainEvenToAClientThatAcceptsGzip() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final long sequence = push.engine.publish("z.s", io.pushengine.codec.sbe.PayloadType.JSON,
                "{\"bid\":1.0845,\"ask\":1.0846}".getBytes(StandardCharsets.UTF_8));
            assertTrue(sequence > 0, "published: " + sequence);
            final HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
                push.http("/poll?topics=z.s&after=" + (sequence - 1))).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().length() < EdgeConfiguration.COMPRESSION_MIN_BYTES_DEFAULT, answer.body());
            assertTrue(answer.headers().firstValue("Content-Encoding").isEmpty(),
                "one small event: gzip would cost more than it saves");
            assertTrue(answer.body().contains("\"sequence\":" + sequence), answer.body());
        }
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .compressionMinBytes(0)))
        {
            final long sequence = push.engine.publish("z.s", io.pushengine.codec.sbe.PayloadType.JSON,
                "{\"bid\":1.0845}".getBytes(StandardCharsets.UTF_8));
            final HttpResponse<byte[]> answer = HTTP.send(HttpRequest.newBuilder(
                push.http("/poll?topics=z.s&after=" + (sequence - 1))).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
            assertEquals("gzip", answer.headers().firstValue("Content-Encoding").orElse(""), "no minimum: gzipped");
        }
    }

    @Test
    void onlyPollSseAndWebSocketCanBeCompressed()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().compression("poll,brotli").conclude());
        assertTrue(refused.getMessage().contains("push.edge.compression lists 'brotli'"), refused.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().compression("sse").compressionMaxStreams(-1).conclude());
        final IllegalArgumentException negativeMinimum = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().compressionMinBytes(-1).conclude());
        assertTrue(negativeMinimum.getMessage().contains("push.edge.compression.min.bytes must be 0 or more"),
            negativeMinimum.getMessage());
    }

    @Test
    void anSseStreamIsGzippedAndEachEventCanBeReadTheMomentItIsSent() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .compression("poll,sse"));
            GzippedSse sse = new GzippedSse(push, "/sse?topics=z.s"))
        {
            assertEquals("gzip", sse.contentEncoding, "asked and allowed: compressed");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            assertEquals(1, push.edge.counters().sseCompressedStreams().get());
            for (int i = 0; i < 3; i++)
            {
                final long sequence = PollTest.publish(push, "z.s", "tick " + i);
                // the next is published only once this one was inflated: each write is flushed, not buffered
                await(() -> sse.lines.contains("id: " + sequence), () -> "read so far: " + sse.lines);
            }

            final String row = "{\"instrument\":\"EURUSD\",\"bid\":1.08451,\"ask\":1.08462,\"venue\":\"LDN\"}";
            final String big = "[" + String.join(",", java.util.Collections.nCopies(60, row)) + "]";
            final long bytesBefore = push.edge.counters().bytesOut().get();
            final long sequence = push.engine.publish("z.s", io.pushengine.codec.sbe.PayloadType.JSON,
                big.getBytes(StandardCharsets.UTF_8));
            // the event's "id:" line comes before its "data:" line: wait for the data line itself, not the id
            await(() -> sse.lines.contains("id: " + sequence) && sse.lines.stream().anyMatch(
                l -> l.startsWith("data: ") && 61 == l.split("\"venue\":\"LDN\"", -1).length),
                () -> "the event's data (60 rows) inflated whole; read so far: " + sse.lines);
            final long onTheWire = push.edge.counters().bytesOut().get() - bytesBefore;
            assertTrue(onTheWire * 5 < big.length(), onTheWire + " bytes on the wire for " + big.length());
        }
    }

    @Test
    void compressedSseStreamsAreBoundedAndAClientThatDoesNotAskGetsPlainText() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .compression("sse").compressionMaxStreams(1).heartbeatIntervalMs(200))) // a closed peer is seen at a write
        {
            try (GzippedSse first = new GzippedSse(push, "/sse?topics=z.t");
                GzippedSse overBudget = new GzippedSse(push, "/sse?topics=z.t");
                SseTestClient notAsking = new SseTestClient(push.http("/sse?topics=z.t")))
            {
                assertEquals("gzip", first.contentEncoding);
                assertEquals("", overBudget.contentEncoding, "over budget: served plain");
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 3);
                assertEquals(1, push.edge.counters().sseCompressionOverBudget().get(), "over budget: counted");
                final long sequence = PollTest.publish(push, "z.t", "to all three");
                await(() -> first.lines.contains("id: " + sequence));
                await(() -> overBudget.lines.contains("id: " + sequence) && notAsking.events.size() == 1,
                    () -> "plain streams: " + overBudget.lines + " " + notAsking.events);
                assertEquals(sequence, notAsking.events.get(0).id());
            }
            await(() -> 0 == push.edge.counters().sseCompressedStreams().get(), () -> "released when closed");
            try (GzippedSse again = new GzippedSse(push, "/sse?topics=z.t"))
            {
                assertEquals("gzip", again.contentEncoding, "the budget's stream is free again");
            }
        }
    }

    @Test
    void aGzippedSseStreamClosedByTheEdgeEndsItsGzipMemberWithTheCloseNotice() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .compression("sse").drainMs(0));
            GzippedSse sse = new GzippedSse(push, "/sse?topics=z.d"))
        {
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            push.edge.drain();
            await(() -> sse.ended, () -> "the stream ends: " + sse.lines);
            assertEquals(null, sse.failure, "a whole gzip member: CRC and length check out");
            assertTrue(sse.lines.contains("event: $close"), "the close notice, inflated: " + sse.lines);
        }
    }

    @Test
    void compressionCanBeTurnedOff() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context().compression("")))
        {
            final HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(push.http("/poll?topics=z.b"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode());
            assertTrue(answer.headers().firstValue("Content-Encoding").isEmpty());
        }
    }

    /**
     * An SSE client reading the gzip stream as it arrives, line by line (the JDK's inflater over the HTTP body).
     */
    private static final class GzippedSse implements AutoCloseable
    {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final String contentEncoding;
        final InputStream body;
        volatile boolean ended;
        volatile Throwable failure;

        GzippedSse(final EmbeddedPush push, final String pathAndQuery) throws Exception
        {
            final HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(push.http(pathAndQuery))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            contentEncoding = response.headers().firstValue("Content-Encoding").orElse("");
            body = response.body();
            final Thread reader = new Thread(this::read, "gzipped-sse");
            reader.setDaemon(true);
            reader.start();
        }

        /**
         * Bytes as they come, split into lines here: an InputStreamReader over a GZIPInputStream would wait for 8 KiB
         * (the inflater always claims more is available, so the reader keeps reading).
         */
        private void read()
        {
            try (InputStream in = "gzip".equals(contentEncoding) ? new GZIPInputStream(body, 64) : body)
            {
                final ByteArrayOutputStream line = new ByteArrayOutputStream();
                final byte[] chunk = new byte[4096];
                int read;
                while ((read = in.read(chunk)) > 0)
                {
                    for (int i = 0; i < read; i++)
                    {
                        if ('\n' == chunk[i])
                        {
                            lines.add(line.toString(StandardCharsets.UTF_8));
                            line.reset();
                        }
                        else
                        {
                            line.write(chunk[i]);
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                failure = ex;
            }
            ended = true;
        }

        public void close() throws IOException
        {
            body.close();
        }
    }
}
