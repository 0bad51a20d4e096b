package io.pushengine.edge;

import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Authenticated handshakes and topic grants on every transport, over real sockets, with HS256 tokens signed by the
 * test's throwaway key: a token for {@code prices.*} reads prices and nothing else; a missing, expired, forged or
 * wrongly signed token is refused with 401 and a reason; a WebSocket may authenticate by its first message,
 * refresh its token, and is closed with 1008 when the token expires.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthenticationTest
{
    private static final List<String> PRICES = List.of("prices.*");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    private EmbeddedPush push(final EdgeServer.Context ctx)
    {
        return new EmbeddedPush(journalDir, null, null, ctx.jwtSecret(Tokens.SECRET));
    }

    @Test
    void tokenAdmitsItsTopicsOnEveryTransportAndNothingElse() throws Exception
    {
        try (EmbeddedPush push = push(new EdgeServer.Context()))
        {
            push.engine.topic("prices.EURUSD");
            push.engine.topic("orders.bob");
            final String alice = Tokens.token("alice", 3_600_000, PRICES, List.of("orders.alice.*"));

            // WebSocket, Bearer header: its topic flows; a topic outside the grant is refused by message, and the
            // connection and its other topic are unaffected
            try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=prices.EURUSD"),
                Map.of("Authorization", "Bearer " + alice)))
            {
                await(() -> client.topicNames.containsValue("prices.EURUSD"));
                client.sendBinary(ControlMessages.subscribe("orders.bob", 7));
                await(() -> !client.errors.isEmpty());
                assertEquals(ErrorCode.NOT_AUTHORIZED.value(), client.errors.get(0).code());
                assertEquals(7, client.errors.get(0).correlationId());
                assertTrue(client.errors.get(0).reason().contains("'orders.bob' is not granted to alice"));
                assertTrue(push.engine.publish("orders.bob", PayloadType.TEXT, bytes("secret")) > 0);
                assertTrue(push.engine.publish("prices.EURUSD", PayloadType.TEXT, bytes("1.0850")) > 0);
                await(() -> client.events.size() == 1);
                assertEquals("prices.EURUSD", client.events.get(0).topic());
                assertFalse(client.closeCode.isDone());
            }

            // a topic outside the grant at the handshake: 403 before the upgrade
            assertEquals(403, handshakeStatus(push, "/ws?topics=prices.EURUSD,orders.bob",
                Map.of("Authorization", "Bearer " + alice)));

            // SSE with access_token (an EventSource cannot set headers), polls with the cookie
            assertEquals(200, sseStatus(push, "/sse?topics=prices.EURUSD&access_token=" + alice));
            final HttpResponse<String> poll = get(push, "/poll?topics=prices.EURUSD", "Cookie", "push_token=" + alice);
            assertEquals(200, poll.statusCode(), poll.body());
            assertTrue(poll.body().contains("1.0850"), poll.body());
            final HttpResponse<String> forbidden = get(push, "/poll?topics=orders.bob", "Cookie", "push_token=" + alice);
            assertEquals(403, forbidden.statusCode());
            assertTrue(forbidden.body().contains("'orders.bob' is not granted to alice"), forbidden.body());

            // publish: only on the granted pattern
            assertEquals(200, publish(push, "orders.alice.1", alice).statusCode());
            final HttpResponse<String> notHers = publish(push, "orders.bob", alice);
            assertEquals(403, notHers.statusCode());
            assertTrue(notHers.body().contains("not granted"), notHers.body());

            // the catalog lists only what the token may read
            final HttpResponse<String> topics = get(push, "/topics", "Authorization", "Bearer " + alice);
            assertEquals(200, topics.statusCode(), topics.body());
            assertTrue(topics.body().contains("\"prices.EURUSD\""), topics.body());
            assertFalse(topics.body().contains("orders.bob"), "another's topic listed: " + topics.body());

            // publishing over WebSocket: the same pub_topics grant
            try (WebSocketTestClient publisher = new WebSocketTestClient(push.ws("/ws"),
                Map.of("Authorization", "Bearer " + alice)))
            {
                publisher.sendBinary(ControlMessages.publish("orders.bob", 21, PayloadType.TEXT, bytes("x")));
                publisher.sendBinary(ControlMessages.publish("orders.alice.2", 22, PayloadType.TEXT, bytes("y")));
                await(() -> publisher.errors.size() == 1 && publisher.published.size() == 1);
                assertEquals(ErrorCode.NOT_AUTHORIZED.value(), publisher.errors.get(0).code());
                assertEquals(21, publisher.errors.get(0).correlationId());
                assertTrue(publisher.errors.get(0).reason().contains("'orders.bob' is not granted to alice"),
                    publisher.errors.get(0).reason());
                assertEquals(22, publisher.published.get(0)[0]);
            }

            assertTrue(push.edge.counters().forbidden().get() >= 5);
        }
    }

    @Test
    void missingExpiredForgedOrWronglySignedTokensAreRefusedWithAReason() throws Exception
    {
        try (EmbeddedPush push = push(new EdgeServer.Context()))
        {
            push.engine.topic("prices.EURUSD");
            final String query = "/sse?topics=prices.EURUSD";
            assertRefused(get(push, query), "authentication required");
            assertRefused(get(push, query, "Authorization", "Bearer " +
                Tokens.token("alice", -60_000, PRICES, List.of())), "token expired");
            assertRefused(get(push, query, "Authorization", "Bearer " + Tokens.unsigned("mallory")),
                "unsigned token (algorithm none) not accepted");
            assertRefused(get(push, query, "Authorization", "Bearer " + Tokens.sign(
                "another-key-another-key-another-key-0123".getBytes(StandardCharsets.US_ASCII), "mallory", 60_000,
                List.of("*"), List.of("*"))), "signature invalid");
            assertRefused(get(push, query, "Authorization", "Bearer not.a.jwt"), "malformed token");
            assertRefused(publish(push, "orders.x", null), "authentication required");
            assertRefused(get(push, "/topics"), "authentication required");
            assertEquals(401, handshakeStatus(push, "/ws?topics=prices.EURUSD", Map.of()),
                "a WebSocket with topics and no token: 401 before the upgrade");
            assertTrue(push.edge.counters().authFailures().get() >= 8);
        }
    }

    @Test
    void webSocketAuthenticatesByFirstMessageRefreshesAndIsClosedAtExpiry() throws Exception
    {
        try (EmbeddedPush push = push(new EdgeServer.Context().authenticationTimeoutMs(1_000)))
        {
            push.engine.topic("prices.EURUSD");
            push.engine.topic("prices.GBPUSD");

            // anything before Authenticate: 1008
            try (WebSocketTestClient eager = new WebSocketTestClient(push.ws("/ws")))
            {
                eager.sendBinary(ControlMessages.subscribe("prices.EURUSD", 1));
                assertEquals(1008, eager.closeCode.get(5, TimeUnit.SECONDS));
                assertTrue(eager.closeReason.startsWith("authenticate first"), eager.closeReason);
            }
            // nothing at all: 1008 after the authentication timeout
            try (WebSocketTestClient silent = new WebSocketTestClient(push.ws("/ws")))
            {
                assertEquals(1008, silent.closeCode.get(10, TimeUnit.SECONDS));
                assertTrue(silent.closeReason.startsWith("no Authenticate message within 1000 ms"),
                    silent.closeReason);
            }
            // a bad token as the first message: 1008 with the reason
            try (WebSocketTestClient forged = new WebSocketTestClient(push.ws("/ws")))
            {
                forged.sendBinary(ControlMessages.authenticate(Tokens.unsigned("mallory"), 1));
                assertEquals(1008, forged.closeCode.get(5, TimeUnit.SECONDS));
                assertTrue(forged.closeReason.contains("(algorithm none) not accepted"), forged.closeReason);
            }

            // first-message authentication with a token that expires in about 2 s (the edge allows 30 s of skew),
            // refreshed in time with a token for EURUSD only: GBPUSD is dropped with a reason, EURUSD flows on
            try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
            {
                client.sendBinary(ControlMessages.authenticate(Tokens.token("carol", -28_000, PRICES, List.of()), 1));
                await(() -> 1 == client.authenticated.size());
                client.sendBinary(ControlMessages.subscribe("prices.EURUSD", 2));
                client.sendBinary(ControlMessages.subscribe("prices.GBPUSD", 3));
                await(() -> client.topicNames.size() == 2);

                client.sendBinary(ControlMessages.authenticate(
                    Tokens.token("carol", 3_600_000, List.of("prices.EURUSD"), List.of()), 4));
                await(() -> 2 == client.authenticated.size());
                assertEquals(4, client.authenticated.get(1)[1]);
                assertTrue(client.authenticated.get(1)[0] > System.currentTimeMillis() + 3_000_000);
                await(() -> client.errors.stream().anyMatch(e -> e.reason().contains("'prices.GBPUSD' is no longer")));

                Thread.sleep(3_000); // past the first token's expiry: the refresh keeps the connection open
                assertTrue(push.engine.publish("prices.GBPUSD", PayloadType.TEXT, bytes("g")) > 0);
                assertTrue(push.engine.publish("prices.EURUSD", PayloadType.TEXT, bytes("e")) > 0);
                await(() -> client.events.size() == 1);
                assertEquals("e", client.events.get(0).payload());
                assertFalse(client.closeCode.isDone(), "refreshed in time: still open");

                // a refresh for another subject is not a refresh
                client.sendBinary(ControlMessages.authenticate(Tokens.token("dave", 60_000, PRICES, List.of()), 5));
                assertEquals(1008, client.closeCode.get(5, TimeUnit.SECONDS));
                assertTrue(client.closeReason.contains("keep the subject carol"), client.closeReason);
            }

            // not refreshed: closed with 1008 when the token expires (about 2 s)
            try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=prices.EURUSD"),
                Map.of("Authorization", "Bearer " + Tokens.token("erin", -28_000, PRICES, List.of()))))
            {
                assertEquals(1008, client.closeCode.get(15, TimeUnit.SECONDS));
                assertTrue(client.closeReason.startsWith("token expired"), client.closeReason);
            }
            assertTrue(push.edge.counters().tokenExpiryCloses().get() >= 2);
        }
    }

    @Test
    void anEngineThatRequiresIngressTokensTakesHttpPublishesFromAnEdgeWithItsOwnToken() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(new io.pushengine.engine.PushEngine.Context()
                .journalDir(journalDir).ingressJwtSecret(Tokens.SECRET), null, null,
                new EdgeServer.Context().ingressToken(Tokens.token("edge-1", 3_600_000, List.of(), List.of("*"))));
            EdgeServer anonymous = push.launchPeerEdge(new EdgeServer.Context()))
        {
            await(() -> 200 == statusOfPublish(push, "orders.1"),
                () -> "the edge with a token publishes (once its token reached the engine)");
            final HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                anonymous.port() + "/publish/orders.1?type=TEXT")).POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("the engine refused it: not authenticated"), refused.body());

            // pipelined on one connection: those after the first are read ahead and offered, and each is refused
            // in its turn, whether the refusal came before Undertow parsed it or after
            final int count = 200;
            try (Socket socket = new Socket("127.0.0.1", anonymous.port()))
            {
                socket.setSoTimeout(20_000);
                final byte[] request = ("POST /publish/orders.1?type=TEXT HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    "Content-Length: 1\r\n\r\nx").getBytes(StandardCharsets.US_ASCII);
                final ByteArrayOutputStream requests = new ByteArrayOutputStream();
                for (int i = 0; i < count; i++)
                {
                    requests.write(request);
                }
                socket.getOutputStream().write(requests.toByteArray());
                final InputStream in = new BufferedInputStream(socket.getInputStream());
                for (int i = 0; i < count; i++)
                {
                    final HttpAnswer answer = HttpAnswer.read(in);
                    assertEquals(403, answer.status, "request " + i + ": " + answer.body);
                    assertTrue(answer.body.contains("the engine refused it: not authenticated"),
                        "request " + i + ": " + answer.body);
                }
            }
            assertTrue(anonymous.counters().publishesReadAhead().get() > 0, "the pipeline was read ahead");

            // a batch: refused whole once, whichever of its awaited events (first, last) the refusal reached first
            for (final int lines : new int[]{ 1, 2, 50 })
            {
                final HttpResponse<String> batch = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                    anonymous.port() + "/publish/orders.1")).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}\n".repeat(lines))).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(403, batch.statusCode(), lines + " lines: " + batch.body());
                assertTrue(batch.body().contains("the engine refused it: not authenticated"), batch.body());
            }
            assertEquals(0, anonymous.counters().publishesAwaitingAck().get(), "no timeout left armed");
        }
    }

    private int statusOfPublish(final EmbeddedPush push, final String topic)
    {
        try
        {
            return publish(push, topic, null).statusCode();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private void assertRefused(final HttpResponse<String> response, final String reason)
    {
        assertEquals(401, response.statusCode(), response.body());
        assertTrue(response.body().contains(reason), response.body() + " should say " + reason);
        assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    }

    static int handshakeStatus(final EmbeddedPush push, final String path, final Map<String, String> headers)
        throws Exception
    {
        final ExecutionException failed = assertThrows(ExecutionException.class,
            () -> new WebSocketTestClient(push.ws(path), headers).close());
        final WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class,
            failed.getCause());
        return handshake.getResponse().statusCode();
    }

    private int sseStatus(final EmbeddedPush push, final String path) throws Exception
    {
        final HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(push.http(path)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        return response.statusCode();
    }

    private HttpResponse<String> get(final EmbeddedPush push, final String path, final String... headers)
        throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(push.http(path)).timeout(java.time.Duration.ofSeconds(10));
        if (headers.length > 0)
        {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> publish(final EmbeddedPush push, final String topic, final String token)
        throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(push.http("/publish/" +
            URLEncoder.encode(topic, StandardCharsets.UTF_8) + "?type=TEXT"))
            .POST(HttpRequest.BodyPublishers.ofString("x"));
        if (null != token)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
