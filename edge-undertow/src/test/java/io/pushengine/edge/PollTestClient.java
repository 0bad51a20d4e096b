package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A polling client as a migrating team would write one: {@code GET /poll} over the JDK HTTP client (keep-alive),
 * answers read with Jackson.
 */
final class PollTestClient
{
    private static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, JsonNode body)
    {
        long cursor()
        {
            return body.get("cursor").asLong();
        }

        List<JsonNode> events()
        {
            final List<JsonNode> events = new ArrayList<>();
            body.get("events").forEach(events::add);
            return events;
        }

        List<Long> sequences()
        {
            final List<Long> sequences = new ArrayList<>();
            body.get("events").forEach(event -> sequences.add(event.get("sequence").asLong()));
            return sequences;
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final EmbeddedPush push;

    PollTestClient(final EmbeddedPush push)
    {
        this.push = push;
    }

    Answer poll(final String query) throws Exception
    {
        return pollAsync(query).get(30, TimeUnit.SECONDS);
    }

    CompletableFuture<Answer> pollAsync(final String query)
    {
        return pollAsync(push.http("/poll?" + query), "GET");
    }

    CompletableFuture<Answer> pollAsync(final URI uri, final String method)
    {
        final HttpRequest request = HttpRequest.newBuilder(uri)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(java.time.Duration.ofSeconds(60))
            .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response ->
        {
            try
            {
                return new Answer(response.statusCode(), JSON.readTree(response.body()));
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("not JSON: " + response.statusCode() + " " + response.body(), ex);
            }
        });
    }
}
