package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gzip where a client asks for it ({@code Accept-Encoding: gzip}) and the server allows it
 * ({@code push.edge.compression}): a poll's answer. Clients that do not ask get plain answers.
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
    void onlyPollAnswersCanBeCompressed()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().compression("poll,sse").conclude());
        assertTrue(refused.getMessage().contains("push.edge.compression lists 'sse'"), refused.getMessage());
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
}
