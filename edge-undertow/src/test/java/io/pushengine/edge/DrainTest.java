package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A draining edge (rolling restart), over real sockets: out of the load balancer's rotation at once, new clients
 * sent elsewhere with a hint, and every open connection, whatever its transport, told to go with 1001 and a hint.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainTest
{
    @TempDir
    File journalDir;

    @Test
    void drainingEdgeSendsEveryClientToAPeerWithAHint() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .drainMs(1500)
            .drainReconnectJitterMs(400)))
        {
            push.engine.topic("d.t");
            final List<WebSocketTestClient> webSockets = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                webSockets.add(new WebSocketTestClient(push.ws("/ws?topics=d.t")));
            }
            final SseTestClient sse = new SseTestClient(push.http("/sse?topics=d.t"));
            final long before = push.engine.publish("d.t", PayloadType.TEXT, "before".getBytes());
            assertTrue(before > 0);
            final PollTestClient polls = new PollTestClient(push);
            final CompletableFuture<PollTestClient.Answer> heldPoll =
                polls.pollAsync("topics=d.t&wait=20000&after=" + before);
            await(() -> push.edge.counters().connections().get() == 9 && push.edge.counters().pollsHeld().get() == 1,
                () -> "connections " + push.edge.counters().connections().get());

            final CompletableFuture<Long> drained = CompletableFuture.supplyAsync(push.edge::drain);
            await(push.edge::isDraining);

            final HttpResponse<String> ready = get(http, push, "/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("\"DRAINING\""), ready.body());
            final HttpResponse<String> refused = get(http, push, "/ws?topics=d.t");
            assertEquals(503, refused.statusCode(), "no new connections while draining");
            assertTrue(refused.body().contains("retry-after-ms="), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());

            assertEquals(0L, drained.get(30, TimeUnit.SECONDS), "every connection closed within the window");
            for (final WebSocketTestClient client : webSockets)
            {
                assertEquals(1001, client.closeCode.get(5, TimeUnit.SECONDS));
                assertTrue(client.closeReason.matches("edge draining: .*retry-after-ms=\\d+"), client.closeReason);
                final long hintMs = Long.parseLong(client.closeReason.replaceAll(".*retry-after-ms=", ""));
                assertTrue(hintMs <= 400, "hint within the configured jitter: " + hintMs);
            }

            await(() -> sse.events.stream().anyMatch(e -> "$close".equals(e.event())),
                () -> "SSE events " + sse.events);
            final SseTestClient.Event close = sse.events.get(sse.events.size() - 1);
            assertEquals("$close", close.event());
            assertTrue(close.data().startsWith("{\"code\":1001,\"reason\":\"edge draining"), close.data());
            assertEquals(List.of("1000", close.data().replaceAll(".*retry-after-ms=(\\d+).*", "$1")), sse.retries,
                "the preamble's retry, then the drain hint as a retry: field a bare EventSource obeys");

            final PollTestClient.Answer poll = heldPoll.get(10, TimeUnit.SECONDS);
            assertEquals(503, poll.status(), poll.body().toString());
            assertTrue(poll.body().toString().contains("retry-after-ms="), poll.body().toString());

            assertTrue(push.edge.counters().fanOut().drainCloses().get() >= 10,
                "counted: " + push.edge.counters().fanOut().drainCloses().get());
            sse.close();
        }
    }

    private static HttpResponse<String> get(final HttpClient http, final EmbeddedPush push, final String path)
        throws Exception
    {
        return http.send(HttpRequest.newBuilder(push.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
