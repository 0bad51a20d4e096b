package io.pushengine.edge;

import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits over real sockets: connections per client address (429) and per edge (503), per subject, topics per
 * connection, the control-message rate, browser origins (403, and CORS for the allowed one), and clients too slow
 * to send their request (slowloris). Each refusal has a reason and is counted; the clients within the limits carry
 * on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest
{
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void connectionsPerAddressAndPerEdge() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxConnectionsPerAddress(3)
            .maxConnections(4)
            .heartbeatIntervalMs(200))) // an SSE client that went away is noticed at the next write
        {
            push.engine.topic("l.t");
            final List<Socket> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                streams.add(openStream(push, "127.0.0.1"));
            }
            await(() -> 3 == push.edge.counters().connections().get());
            final HttpResponse<String> fourth = http.send(HttpRequest.newBuilder(push.http("/sse?topics=l.t")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(429, fourth.statusCode());
            assertTrue(fourth.body().contains("too many connections from 127.0.0.1 (3)"), fourth.body());

            // another address takes the edge's last place, then the edge is full for everyone
            streams.add(openStream(push, "127.0.0.2"));
            await(() -> 4 == push.edge.counters().connections().get());
            final String full = rawRequest(push, "127.0.0.3", "GET /sse?topics=l.t HTTP/1.1");
            assertTrue(full.startsWith("HTTP/1.1 503") && full.contains("edge at its connection limit (4)"), full);

            // a place given back is a place again (the per-address count is given back by the close task, a moment
            // after the connections gauge: seen once on a busy CI box as a 429 here)
            streams.remove(0).close();
            await(() -> 3 == push.edge.counters().connections().get());
            streams.add(await(() -> openStreamOrNull(push, "127.0.0.1"), stream -> null != stream,
                "a stream from 127.0.0.1 again"));
            await(() -> 4 == push.edge.counters().connections().get());
            assertTrue(push.edge.counters().limitRejections().get() >= 2);
            for (final Socket stream : streams)
            {
                stream.close();
            }
        }
    }

    /**
     * A poll counts as a connection of its address while it is held, and gives its place back when answered: many
     * polls in a row on one kept-alive connection never reach the limit; held ones do.
     */
    @Test
    void aPollHoldsItsAddresssPlaceOnlyUntilItIsAnswered() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxConnectionsPerAddress(2)))
        {
            push.engine.topic("lp.t");
            final PollTestClient client = new PollTestClient(push);
            for (int i = 0; i < 10; i++)
            {
                assertEquals(200, client.poll("topics=lp.t").status(), "poll " + i + " in a row");
            }

            final CompletableFuture<PollTestClient.Answer> first = client.pollAsync("topics=lp.t&wait=20000&after=0");
            final CompletableFuture<PollTestClient.Answer> second = client.pollAsync("topics=lp.t&wait=20000&after=0");
            await(() -> 2 == push.edge.counters().pollsHeld().get());
            final HttpResponse<String> third = http.send(HttpRequest.newBuilder(push.http("/poll?topics=lp.t")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(429, third.statusCode(), third.body());
            assertTrue(third.body().contains("too many connections from 127.0.0.1 (2)"), third.body());

            push.engine.publish("lp.t", PayloadType.TEXT, "x".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, first.get(10, TimeUnit.SECONDS).status());
            assertEquals(200, second.get(10, TimeUnit.SECONDS).status());
            assertEquals(200, client.poll("topics=lp.t").status(), "places given back once answered");
        }
    }

    @Test
    void connectionsPerSubjectTopicsPerConnectionAndControlMessageRate() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .jwtSecret(Tokens.SECRET)
            .maxConnectionsPerSubject(2)
            .maxTopicsPerConnection(2)
            .maxControlMessagesPerSecond(5)))
        {
            push.engine.topic("l.a");
            final Map<String, String> frank = Map.of("Authorization", "Bearer " +
                Tokens.token("frank", 3_600_000, List.of("l.*"), List.of()));
            try (WebSocketTestClient one = new WebSocketTestClient(push.ws("/ws?topics=l.a"), frank);
                WebSocketTestClient two = new WebSocketTestClient(push.ws("/ws?topics=l.a,l.b"), frank))
            {
                assertEquals(429, AuthenticationTest.handshakeStatus(push, "/ws?topics=l.a", frank),
                    "a third connection for the same subject");

                assertEquals(400, AuthenticationTest.handshakeStatus(push, "/ws?topics=l.a,l.b,l.c",
                    Map.of("Authorization", "Bearer " + Tokens.token("grace", 60_000, List.of("l.*"), List.of()))));
                two.sendBinary(ControlMessages.subscribe("l.c", 9));
                await(() -> !two.errors.isEmpty());
                assertEquals(ErrorCode.LIMIT_EXCEEDED.value(), two.errors.get(0).code());
                assertTrue(two.errors.get(0).reason().contains("at most 2 topics per connection"));

                for (int i = 0; i < 20 && !one.closeCode.isDone(); i++)
                {
                    one.sendBinary(ControlMessages.heartbeat());
                }
                assertEquals(1008, one.closeCode.get(5, TimeUnit.SECONDS));
                assertTrue(one.closeReason.contains("more than 5 control messages per second"), one.closeReason);
                assertTrue(!two.closeCode.isDone(), "the other connection carries on");

                final long before = push.edge.counters().limitRejections().get();
                two.sendBinary(new byte[5000]); // over the 4 KiB control message limit
                assertEquals(1009, two.closeCode.get(5, TimeUnit.SECONDS));
                await(() -> push.edge.counters().limitRejections().get() == before + 1);
            }
            assertTrue(push.edge.counters().limitRejections().get() >= 4);
        }
    }

    @Test
    void originsOutsideTheAllowListAreRefusedAndTheAllowedOneGetsCors() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .allowedOrigins("https://app.example")))
        {
            push.engine.topic("o.t");
            assertEquals(403, AuthenticationTest.handshakeStatus(push, "/ws?topics=o.t",
                Map.of("Origin", "https://evil.example")));
            final HttpResponse<String> sse = http.send(HttpRequest.newBuilder(push.http("/sse?topics=o.t"))
                .header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, sse.statusCode());
            assertTrue(sse.body().contains("origin https://evil.example is not allowed"), sse.body());

            try (WebSocketTestClient allowed = new WebSocketTestClient(push.ws("/ws?topics=o.t"),
                Map.of("Origin", "https://app.example")))
            {
                await(() -> allowed.topicNames.containsValue("o.t"));
            }
            final HttpResponse<String> poll = http.send(HttpRequest.newBuilder(push.http("/poll?topics=o.t"))
                .header("Origin", "https://app.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, poll.statusCode());
            assertEquals("https://app.example", poll.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            final HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(push.http("/publish/o.t"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode());
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));
            assertTrue(push.edge.counters().originRejections().get() >= 2);
        }
    }

    @Test
    void anyOriginIsReadableButNeverWithCredentials() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir)) // push.edge.allowed.origins=* (the default)
        {
            push.engine.topic("o.t");
            final HttpResponse<String> poll = http.send(HttpRequest.newBuilder(push.http("/poll?topics=o.t"))
                .header("Origin", "https://anywhere.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, poll.statusCode());
            assertEquals("*", poll.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertTrue(poll.headers().firstValue("Access-Control-Allow-Credentials").isEmpty());
        }
    }

    @Test
    void clientsTooSlowToSendTheirRequestAreCutOffAnsweredAndCounted() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .handshakeTimeoutMs(500)))
        {
            push.engine.topic("s.t");
            // long-lived exchanges are not requests being sent: they outlive the timeout
            final Socket stream = openStream(push, "127.0.0.1", "s.t");
            final WebSocketTestClient webSocket = new WebSocketTestClient(push.ws("/ws?topics=s.t"));
            final CompletableFuture<HttpResponse<String>> longPoll = http.sendAsync(
                HttpRequest.newBuilder(push.http("/poll?topics=s.t&wait=1500")).build(),
                HttpResponse.BodyHandlers.ofString());

            try (Socket slow = connect(push, "127.0.0.1");
                Socket silent = connect(push, "127.0.0.1");
                Socket keepAlive = connect(push, "127.0.0.1"))
            {
                final OutputStream out = slow.getOutputStream();
                out.write("GET /sse?topics=s.t HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                out.flush(); // and never the end of the headers
                slow.setSoTimeout(20_000);
                silent.setSoTimeout(20_000);
                keepAlive.setSoTimeout(20_000);

                // a whole request is answered and the connection kept; a second, half-sent one is cut off
                keepAlive.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
                final String first = readResponse(keepAlive.getInputStream());
                assertTrue(first.startsWith("HTTP/1.1 200"), first);
                keepAlive.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 12"
                    .getBytes(StandardCharsets.US_ASCII));

                final String slowAnswer = readToEnd(slow.getInputStream());
                assertTrue(slowAnswer.startsWith("HTTP/1.1 408") && slowAnswer.contains(
                    "request headers not received within 500 ms (push.edge.handshake.timeout.ms)"), slowAnswer);
                assertEquals("", readToEnd(silent.getInputStream()), "a connection that sends nothing is closed");
                final String secondAnswer = readToEnd(keepAlive.getInputStream());
                assertTrue(secondAnswer.startsWith("HTTP/1.1 408"), secondAnswer);
            }

            final HttpResponse<String> held = longPoll.get(10, TimeUnit.SECONDS);
            assertEquals(200, held.statusCode(), "a long-poll held past the timeout is answered, not cut off");
            final long sequence = push.engine.publish("s.t", PayloadType.TEXT, "still here".getBytes());
            await(() -> webSocket.events.stream().anyMatch(e -> e.globalSequence() == sequence),
                () -> "the WebSocket, open past the timeout, still streams");
            stream.setSoTimeout(10_000);
            assertTrue(readUntil(stream.getInputStream(), "still here").contains("still here"),
                "the SSE stream, open past the timeout, still streams");
            assertEquals(2, push.edge.counters().connections().get());
            assertFalse(webSocket.closeCode.isDone());

            assertEquals(2, push.edge.counters().requestTimeouts().get(), "the two half-sent requests");
            assertTrue(push.edge.counters().silentCloses().get() >= 1, "the silent connection");
            final String metrics = http.send(HttpRequest.newBuilder(push.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.matches("(?s).*push_edge_disconnects_total\\{reason=\"request_timeout\",source=\"[^\"]+\"} 2\\.0\n.*"),
                metrics);
            assertTrue(metrics.contains("push_edge_disconnects_total{reason=\"silent\","), metrics);

            webSocket.close();
            stream.close();
            final HttpResponse<String> health = http.send(HttpRequest.newBuilder(push.http("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), "the edge serves others meanwhile");
        }
    }

    /**
     * An SSE stream from a chosen source address, open once its 200 has arrived.
     */
    /**
     * A stream, or null (its socket closed) while the edge still answers 429.
     */
    private static Socket openStreamOrNull(final EmbeddedPush push, final String localAddress)
    {
        try
        {
            final Socket socket = connect(push, localAddress);
            socket.getOutputStream().write(("GET /sse?topics=l.t HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5_000);
            final byte[] status = new byte[12];
            int read = 0;
            while (read < status.length)
            {
                read += socket.getInputStream().read(status, read, status.length - read);
            }
            final String line = new String(status, StandardCharsets.US_ASCII);
            if ("HTTP/1.1 429".equals(line))
            {
                socket.close();
                return null;
            }
            assertEquals("HTTP/1.1 200", line);
            return socket;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static Socket openStream(final EmbeddedPush push, final String localAddress) throws Exception
    {
        return openStream(push, localAddress, "l.t");
    }

    private static Socket openStream(final EmbeddedPush push, final String localAddress, final String topic)
        throws Exception
    {
        final Socket socket = connect(push, localAddress);
        socket.getOutputStream().write(("GET /sse?topics=" + topic + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(5_000);
        final byte[] status = new byte[12];
        int read = 0;
        while (read < status.length)
        {
            read += socket.getInputStream().read(status, read, status.length - read);
        }
        assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII));
        return socket;
    }

    /**
     * Everything the server sends until it closes.
     */
    private static String readToEnd(final InputStream in) throws Exception
    {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * One response with a {@code Content-Length}, leaving the connection open.
     */
    private static String readResponse(final InputStream in) throws Exception
    {
        final String head = readUntil(in, "\r\n\r\n");
        final int at = head.toLowerCase().indexOf("content-length:");
        final int length = Integer.parseInt(head.substring(at + 15, head.indexOf("\r\n", at)).trim());
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String readUntil(final InputStream in, final String end) throws Exception
    {
        final StringBuilder text = new StringBuilder();
        int b;
        while (text.indexOf(end) < 0 && (b = in.read()) != -1)
        {
            text.append((char)b);
        }
        return text.toString();
    }

    private static Socket connect(final EmbeddedPush push, final String localAddress) throws Exception
    {
        final Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", push.edge.port()), 5000);
        return socket;
    }

    /**
     * One request from a chosen source address (the JDK client cannot choose): what the first read returns.
     */
    private static String rawRequest(final EmbeddedPush push, final String localAddress, final String requestLine)
        throws Exception
    {
        try (Socket socket = connect(push, localAddress))
        {
            socket.getOutputStream().write((requestLine + "\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5_000);
            final byte[] chunk = new byte[4096];
            final int n = socket.getInputStream().read(chunk);
            return new String(chunk, 0, Math.max(0, n), StandardCharsets.UTF_8);
        }
    }
}
