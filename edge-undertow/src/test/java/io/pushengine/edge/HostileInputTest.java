package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input, bounded in count and time: a seeded random fuzz of WebSocket control frames (random bytes, and
 * valid Subscribe, Authenticate and Heartbeat messages with bytes flipped, cut short or run long, and text frames)
 * against a real edge while a well-behaved client streams; then malformed HTTP (bad escapes, bad UTF-8, huge
 * headers, long URLs, unknown methods) on raw sockets. Every fuzzed connection ends open or closed with a protocol
 * close code, nothing escapes as an error, the well-behaved client misses nothing, and afterwards the edge's
 * session and subscription counts are back to that one client.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileInputTest
{
    private static final Set<Integer> PROTOCOL_CLOSES = Set.of(1002, 1003, 1007, 1008, 1009);
    private static final int CONNECTIONS = 150;
    private static final int FRAMES_PER_CONNECTION = 40;

    @TempDir
    File journalDir;

    @Test
    void fuzzedControlFramesCloseOnlyTheirOwnConnectionAndCorruptNothing() throws Exception
    {
        final long seed = Long.getLong("push.fuzz.seed", System.nanoTime());
        System.out.println("control-frame fuzz seed " + seed + " (-Dpush.fuzz.seed=" + seed + " repeats it)");
        final SplittableRandom random = new SplittableRandom(seed);
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxControlMessagesPerSecond(100_000));
            WebSocketTestClient good = new WebSocketTestClient(push.ws("/ws?topics=f.good")))
        {
            push.engine.topic("f.good");
            await(() -> good.topicNames.containsValue("f.good"));
            final List<byte[]> valid = List.of(
                ControlMessages.subscribe("f.fuzz", 1),
                ControlMessages.subscribe("f.good", 2),
                ControlMessages.authenticate("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", 3),
                ControlMessages.heartbeat());

            int published = 0;
            int closedByProtocol = 0;
            final List<Integer> codes = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++)
            {
                try (WebSocketTestClient fuzzed = new WebSocketTestClient(push.ws("/ws")))
                {
                    for (int f = 0; f < FRAMES_PER_CONNECTION && !fuzzed.closeCode.isDone(); f++)
                    {
                        try
                        {
                            if (random.nextInt(20) == 0)
                            {
                                fuzzed.sendText(randomText(random));
                            }
                            else
                            {
                                fuzzed.sendBinary(mutate(random, valid.get(random.nextInt(valid.size()))));
                            }
                        }
                        catch (final Exception ex)
                        {
                            break; // the edge closed it while we were sending
                        }
                        if (f % 10 == 0)
                        {
                            assertTrue(push.engine.publish("f.good", PayloadType.TEXT,
                                ("g" + published++).getBytes(StandardCharsets.US_ASCII)) > 0);
                        }
                    }
                    if (fuzzed.closeCode.isDone() && !fuzzed.closeCode.isCompletedExceptionally())
                    {
                        final int code = fuzzed.closeCode.get();
                        codes.add(code);
                        assertTrue(PROTOCOL_CLOSES.contains(code), "closed with " + code + ": " + fuzzed.closeReason);
                        closedByProtocol++;
                    }
                    else if (fuzzed.closeCode.isDone())
                    {
                        closedByProtocol++; // the close frame came while we were still sending: a broken pipe here
                    }
                }
            }

            final int expected = published;
            await(() -> good.events.size() == expected, () -> "good client has " + good.events.size() + " of " +
                expected);
            for (int i = 0; i < expected; i++)
            {
                assertEquals("g" + i, good.events.get(i).payload());
            }
            assertTrue(!good.closeCode.isDone(), "the well-behaved client stayed connected");
            await(() -> 1 == push.edge.counters().fanOut().sessions().get() &&
                1 == push.edge.counters().fanOut().subscriptions().get(),
                () -> "sessions " + push.edge.counters().fanOut().sessions().get() + ", subscriptions " +
                push.edge.counters().fanOut().subscriptions().get());
            assertEquals(0, push.edge.counters().errors().get(), "no error escaped");
            System.out.println("fuzz: " + CONNECTIONS + " connections, " + closedByProtocol +
                " closed by the protocol (codes " + codes + "), " + push.edge.counters().protocolErrors().get() +
                " protocol errors counted");
            assertTrue(closedByProtocol > 0, "the fuzz reached the decoders");
        }
    }

    @Test
    void malformedHttpIsRefusedWithA4xxAndTheEdgeCarriesOn() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("h.t");
            assertStatus(push, "GET /sse?topics=%zz HTTP/1.1", 400);
            assertStatus(push, "GET /poll?topics=h.t&after=%E0%80 HTTP/1.1", 400);
            assertStatus(push, "GET /poll?topics=%C3%28 HTTP/1.1", 400);
            assertStatus(push, "GET /poll?topics=h.t&wait=-5 HTTP/1.1", 400);
            assertStatus(push, "GET /poll?topics=h.t&after=99999999999999999999999 HTTP/1.1", 400);
            assertStatus(push, "BREW /ws HTTP/1.1", 405, 400, 404);
            assertStatus(push, "DELETE /poll?topics=h.t HTTP/1.1", 405);
            assertStatus(push, "GET /" + "a".repeat(20_000) + " HTTP/1.1", 400, 414, 431);
            final String hugeHeader = "GET /health HTTP/1.1\r\nX-Big: " + "b".repeat(40_000);
            assertStatus(push, hugeHeader, 400, 431);
            assertStatus(push, "GET /poll?" + "topics=h.t&".repeat(50) + " HTTP/1.1", 400);

            final HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(push.http("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), "the edge serves others after all that");
            assertEquals(0, push.edge.counters().errors().get());
        }
    }

    private static void assertStatus(final EmbeddedPush push, final String requestLine, final int... allowed)
        throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", push.edge.port()))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((requestLine + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            final InputStream in = socket.getInputStream();
            final byte[] head = in.readNBytes(12);
            final String status = new String(head, StandardCharsets.US_ASCII);
            final String shown = requestLine.length() > 80 ? requestLine.substring(0, 80) + "..." : requestLine;
            assertTrue(status.startsWith("HTTP/1.1 "), shown + " got '" + status + "'");
            final int code = Integer.parseInt(status.substring(9, 12));
            assertTrue(Arrays.stream(allowed).anyMatch(a -> a == code), shown + " got " + code + ", expected " +
                Arrays.toString(allowed));
        }
    }

    private static byte[] mutate(final SplittableRandom random, final byte[] message)
    {
        switch (random.nextInt(4))
        {
            case 0: // random bytes
            {
                final byte[] bytes = new byte[random.nextInt(0, 300)];
                random.nextBytes(bytes);
                return bytes;
            }
            case 1: // flip a few bytes
            {
                final byte[] bytes = message.clone();
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++)
                {
                    bytes[random.nextInt(bytes.length)] = (byte)random.nextInt(256);
                }
                return bytes;
            }
            case 2: // cut short
                return Arrays.copyOf(message, random.nextInt(message.length));
            default: // run long, with a lying length field
            {
                final byte[] bytes = Arrays.copyOf(message, message.length + random.nextInt(1, 64));
                bytes[bytes.length - 1] = (byte)0xFF;
                if (bytes.length > 28)
                {
                    bytes[random.nextInt(8, bytes.length)] = (byte)0xFF;
                }
                return bytes;
            }
        }
    }

    private static String randomText(final SplittableRandom random)
    {
        final char[] chars = new char[random.nextInt(1, 40)];
        for (int i = 0; i < chars.length; i++)
        {
            chars[i] = (char)random.nextInt(0x20, 0x7F);
        }
        return new String(chars);
    }
}
