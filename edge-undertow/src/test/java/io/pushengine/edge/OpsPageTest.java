package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /ops}: the page and its data behind the {@code push:ops} scope and its own origin, then the page itself in
 * headless Chromium showing live numbers and latency while ticks flow (a screenshot in target/browser-artifacts).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpsPageTest
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    File journalDir;

    @Test
    void theOpsPageAndItsDataNeedTheOpsScopeAndTheirOwnOrigin() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null,
            new EdgeServer.Context().jwtSecret(Tokens.SECRET)))
        {
            final String operator = Tokens.withScope("operator", "openid push:ops");
            final String reader = Tokens.withScope("reader", "openid");

            assertEquals(401, get(push, "/ops", null, null).statusCode());
            final HttpResponse<String> noScope = get(push, "/ops/metrics", reader, null);
            assertEquals(403, noScope.statusCode());
            assertTrue(noScope.body().contains("scope push:ops is not granted to reader"), noScope.body());
            assertEquals(1, push.edge.counters().forbidden().get(), "the refusal is counted");

            final HttpResponse<String> page = get(push, "/ops", operator, null);
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("<title>Push engine · ops</title>"));
            assertEquals("no-store", page.headers().firstValue("Cache-Control").orElse(""));

            PollTest.publish(push, "ops.A", "one");
            final JsonNode data = await(() -> json(get(push, "/ops/metrics", operator, null).body()),
                d -> d.toString().contains("push_engine_publish_to_journal_seconds"), "the engine's histogram");
            assertTrue(data.get("timeMs").asLong() > 0);
            assertTrue(data.get("series").toString().contains("\"name\":\"push_edge_events_in_total\""),
                data.toString());
            final JsonNode histogram = data.get("histograms").get(0);
            assertEquals(histogram.get("bounds").size(), histogram.get("counts").size());
            assertEquals("+Inf", histogram.get("bounds").get(histogram.get("bounds").size() - 1).asText());

            final HttpResponse<String> foreign = get(push, "/ops/metrics", operator, "https://evil.example");
            assertEquals(403, foreign.statusCode());
            assertTrue(foreign.body().contains("its own origin only"), foreign.body());
            assertEquals(200, get(push, "/ops/metrics", operator, "http://127.0.0.1:" + push.edge.port())
                .statusCode(), "its own origin");

            final HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(push.http("/ops"))
                .header("Authorization", "Bearer " + operator).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
            assertTrue(post.body().contains("POST is not allowed on /ops"), post.body());
            assertEquals(404, get(push, "/ops/nothing", operator, null).statusCode());
        }
    }

    @Test
    void thePageShowsLiveTrafficAndLatencyInABrowser() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null,
            new EdgeServer.Context().jwtSecret(Tokens.SECRET));
            BrowserClientTest.TickPublisher publisher = new BrowserClientTest.TickPublisher(push);
            HeadlessChromium browser = new HeadlessChromium();
            WebSocketTestClient subscriber = new WebSocketTestClient(push.ws("/ws?topics=prices.EURUSD,prices.USDJPY" +
                "&access_token=" + Tokens.withScope("viewer", ""))))
        {
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 2);
            publisher.start();
            browser.open(push.http("/ops?access_token=" + Tokens.withScope("operator", "push:ops")));
            await(() -> browser.eval("window.ops && window.ops.view && window.ops.view.latencyMs.websocket " +
                "&& window.ops.view.latencyMs.websocket.count > 20 && window.ops.view.eventsInPerSecond > 0").asBoolean(),
                () -> "the page shows no traffic: " + browser.eval("JSON.stringify(window.ops && window.ops.view)"));
            final JsonNode view = browser.eval("window.ops.view");
            assertEquals(1, view.get("connections").get("websocket").asLong(), view.toString());
            assertEquals(2, view.get("subscriptions").asLong(), view.toString());
            assertTrue(view.get("latencyMs").get("websocket").get("p99").asDouble() > 0, view.toString());
            assertTrue(view.get("edgePosition").asLong() > 0, view.toString());
            await(() -> browser.eval("document.querySelector('#stages tbody').rows.length >= 3").asBoolean());
            await(() -> browser.eval("window.ops.plotted >= 5").asBoolean(), () -> "points plotted: " +
                browser.eval("window.ops.plotted"));
            assertEquals(0, browser.eval("window.ops.errors").asLong());
            publisher.stop();
            assertTrue(Files.size(browser.screenshot("ops")) > 10_000);
        }
    }

    private static HttpResponse<String> get(
        final EmbeddedPush push, final String path, final String token, final String origin)
    {
        try
        {
            final HttpRequest.Builder request = HttpRequest.newBuilder(push.http(path));
            if (null != token)
            {
                request.header("Authorization", "Bearer " + token);
            }
            if (null != origin)
            {
                request.header("Origin", origin);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static JsonNode json(final String text)
    {
        try
        {
            return new ObjectMapper().readTree(text);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(text, ex);
        }
    }
}
