package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A method an endpoint does not take is 405 with {@code Allow} and the reason, counted (not 200, not 501); a poll
 * cursor the engine never issued says so (not "no longer retained").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnknownMethodsTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void everyEndpointAnswers405WithAllowForMethodsItDoesNotTake() throws Exception
    {
        final Map<String, String> allowed = Map.of(
            "/topics", "GET, HEAD",
            "/health", "GET, HEAD",
            "/ready", "GET, HEAD",
            "/metrics", "GET, HEAD",
            "/poll?topics=a", "GET",
            "/sse?topics=a", "GET",
            "/ws?topics=a", "GET",
            "/publish/a", "POST",
            "/index.html", "GET, HEAD",
            "/ops", "GET, HEAD");
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final long before = push.edge.counters().httpRejected().get();
            int refused = 0;
            for (final Map.Entry<String, String> endpoint : allowed.entrySet())
            {
                for (final String method : new String[]{ "PATCH", "DELETE", "FOO" })
                {
                    final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(push.http(endpoint.getKey()))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(405, response.statusCode(), method + " " + endpoint.getKey() + ": " + response.body());
                    assertEquals(endpoint.getValue(), response.headers().firstValue("Allow").orElse(""),
                        method + " " + endpoint.getKey());
                    assertTrue(response.body().contains(method + " is not allowed on "), response.body());
                    refused++;
                }
            }
            assertEquals(refused, push.edge.counters().httpRejected().get() - before, "each counted");
        }
    }

    @Test
    void aPollCursorNeverIssuedSaysSo() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final long last = PollTest.publish(push, "c.a", "one");
            final HttpResponse<String> ahead = HTTP.send(HttpRequest.newBuilder(
                push.http("/poll?topics=c.a&after=999999")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ahead.statusCode(), ahead.body());
            assertTrue(ahead.body().contains("\"reset\"") &&
                ahead.body().contains("fromSequence was never issued (the newest sequence is " + last + ")"),
                ahead.body());
        }
    }
}
