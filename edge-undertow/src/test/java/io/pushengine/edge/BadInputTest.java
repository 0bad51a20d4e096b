package io.pushengine.edge;

import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.ErrorDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.SubscribeEncoder;
import io.pushengine.codec.sbe.TopicDeclaredEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets a clear error, is counted, and does not disturb other clients.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest
{
    @TempDir
    File journalDir;

    EmbeddedPush push;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start()
    {
        push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxPayloadLength(1024)
            .clientPolicies("conflate,throttle")
            .maxThrottleRate(100));
    }

    @AfterEach
    void stop()
    {
        push.close();
    }

    @Test
    void unknownRouteIs404WithAReason() throws Exception
    {
        final HttpResponse<String> response = send(HttpRequest.newBuilder(push.http("/prices")).build());
        assertEquals(404, response.statusCode());
        assertEquals("{\"status\":404,\"error\":\"no such endpoint: /prices\"}\n", response.body());
        assertTrue(push.edge.counters().httpRejected().get() >= 1);
    }

    @Test
    void emptyPublishIs400() throws Exception
    {
        final HttpResponse<String> response = post("/publish/news", "");
        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("empty body"), response.body());
    }

    @Test
    void oversizedPublishIs413AndNothingIsJournaled() throws Exception
    {
        final HttpResponse<String> response = post("/publish/news", "x".repeat(1025));
        assertEquals(413, response.statusCode());
        assertTrue(response.body().contains("1024-byte maximum"), response.body());
        assertEquals(0, push.engine.lastGlobalSequence());
        assertEquals(200, post("/publish/news", "x".repeat(1024)).statusCode(), "at the limit is fine");
    }

    @Test
    void invalidTopicOrMethodOrEncodingIsRefused() throws Exception
    {
        assertEquals(400, post("/publish/bad%20topic", "x").statusCode());
        assertEquals(405, send(HttpRequest.newBuilder(push.http("/publish/news")).build()).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(push.http("/publish/news?type=NOPE"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build()).statusCode());
        final HttpResponse<String> badUtf8 = send(HttpRequest.newBuilder(push.http("/publish/news"))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{ (byte)0xC3, (byte)0x28 })).build());
        assertEquals(400, badUtf8.statusCode());
        assertTrue(badUtf8.body().contains("UTF-8"), badUtf8.body());
        assertEquals(400, send(HttpRequest.newBuilder(push.http("/sse")).build()).statusCode(), "sse needs topics");
        assertEquals(400, send(HttpRequest.newBuilder(push.http("/sse?topics=a,b%20c")).build()).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(push.http("/ws?topics=x")).build()).statusCode(),
            "plain GET on /ws is told to upgrade");
    }

    @Test
    void deliveryParametersOutsideTheServersLimitsAre400WithAReason() throws Exception
    {
        assertRejected("/sse?topics=a&policy=bogus", "policy must be one of: disconnect, conflate, drop, throttle");
        assertRejected("/sse?topics=a&policy=drop", "policy drop is not open to clients on this server; " +
            "allowed: conflate, throttle");
        assertRejected("/ws?topics=a&policy=throttle&rate=0", "rate must be a whole number of events per second " +
            "from 1 to 100");
        assertRejected("/ws?topics=a&policy=throttle&rate=101", "from 1 to 100");
        assertRejected("/ws?topics=a&rate=5", "rate and byterate go with policy=throttle");
        assertRejected("/ws?topics=a&policy=throttle&byterate=-1", "byterate must be");
        assertRejected("/sse?topics=a&window=5000", "window must be a whole number of milliseconds from 0 to 1000");
        assertRejected("/sse?topics=a&window=1&window=2", "give 'window' once");
        assertEquals(8, push.edge.counters().httpRejected().get());

        try (SseTestClient allowed = new SseTestClient(push.http("/sse?topics=a&policy=throttle&rate=100")))
        {
            assertEquals(200, allowed.response.statusCode());
        }
    }

    private void assertRejected(final String pathAndQuery, final String reason) throws Exception
    {
        final HttpResponse<String> response = send(HttpRequest.newBuilder(push.http(pathAndQuery)).build());
        assertEquals(400, response.statusCode(), pathAndQuery);
        assertTrue(response.body().contains(reason), pathAndQuery + " -> " + response.body());
    }

    @Test
    void malformedControlFrameClosesOnlyThatWebSocketWith1002() throws Exception
    {
        try (WebSocketTestClient good = new WebSocketTestClient(push.ws("/ws?topics=news"));
            WebSocketTestClient bad = new WebSocketTestClient(push.ws("/ws")))
        {
            bad.sendBinary(new byte[]{ 1, 2, 3 });
            assertEquals(1002, bad.closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(bad.closeReason.contains("shorter than the 8-byte SBE message header"), bad.closeReason);

            assertEquals(1, push.edge.counters().protocolErrors().get());
            push.engine.publish("news", PayloadType.TEXT, "still flowing".getBytes(StandardCharsets.UTF_8));
            await(() -> good.events.size() == 1);
            assertEquals("still flowing", good.events.get(0).payload());
        }
    }

    @Test
    void wrongSchemaIs1002AndTruncatedTopicIs1002() throws Exception
    {
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            final byte[] frame = subscribe("news");
            frame[4] = 9; // schema id low byte
            client.sendBinary(frame);
            assertEquals(1002, client.closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(client.closeReason.contains("unknown SBE schema id"), client.closeReason);
        }
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            final byte[] frame = subscribe("news");
            final byte[] truncated = java.util.Arrays.copyOf(frame, frame.length - 2);
            client.sendBinary(truncated);
            assertEquals(1002, client.closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(client.closeReason.contains("runs past the frame"), client.closeReason);
        }
    }

    @Test
    void textFramesAndServerOnlyMessagesAre1003() throws Exception
    {
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            client.sendText("{\"subscribe\":\"news\"}");
            assertEquals(1003, client.closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(client.closeReason.contains("text frames"), client.closeReason);
        }
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
            final TopicDeclaredEncoder encoder = new TopicDeclaredEncoder()
                .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).topic(1).topicName("x");
            client.sendBinary(java.util.Arrays.copyOf(buffer.byteArray(),
                MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()));
            assertEquals(1003, client.closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(client.closeReason.contains("not a message a client may send"), client.closeReason);
        }
    }

    @Test
    void subscribeByControlMessageAfterOpen() throws Exception
    {
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            client.sendBinary(subscribe("late"));
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1); // else it may miss the event
            push.engine.publish("late", PayloadType.TEXT, "hello".getBytes(StandardCharsets.UTF_8));
            await(() -> client.events.size() == 1);
            assertEquals("late", client.events.get(0).topic());
            assertEquals(List.of(7L), client.subscribedCorrelationIds,
                "a Subscribe before the topic existed is confirmed at its declaration, with its own id");
        }
    }

    @Test
    void invalidTopicInSubscribeIsRefusedWithAnErrorAndTheConnectionStaysOpen() throws Exception
    {
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=news")))
        {
            client.sendBinary(subscribe("no spaces allowed"));
            await(() -> client.frames.stream().anyMatch(f -> new UnsafeBuffer(f).getShort(2) == ErrorDecoder.TEMPLATE_ID));
            final byte[] frame = client.frames.stream()
                .filter(f -> new UnsafeBuffer(f).getShort(2) == ErrorDecoder.TEMPLATE_ID).findFirst().orElseThrow();
            final ErrorDecoder error = new ErrorDecoder().wrapAndApplyHeader(
                new UnsafeBuffer(frame), 0, new MessageHeaderDecoder());
            assertEquals(ErrorCode.INVALID_TOPIC, error.code());
            assertEquals(7, error.correlationId());
            final String reason = error.reason();
            assertTrue(reason.contains("may only contain"), reason);

            push.engine.publish("news", PayloadType.TEXT, "after".getBytes(StandardCharsets.UTF_8));
            await(() -> client.events.size() == 1);
            assertTrue(!client.closeCode.isDone(), "still open");
        }
    }

    @Test
    void subscribeWithFromSequenceIsRefusedWithAReasonNotSilentlyIgnored() throws Exception
    {
        try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=news")))
        {
            final byte[] message = subscribe("other");
            new UnsafeBuffer(message).putLong(MessageHeaderEncoder.ENCODED_LENGTH + 8, 5L); // fromSequence = 5
            client.sendBinary(message);
            await(() -> client.frames.stream().anyMatch(f -> new UnsafeBuffer(f).getShort(2) == ErrorDecoder.TEMPLATE_ID));
            final byte[] frame = client.frames.stream()
                .filter(f -> new UnsafeBuffer(f).getShort(2) == ErrorDecoder.TEMPLATE_ID).findFirst().orElseThrow();
            final ErrorDecoder error = new ErrorDecoder().wrapAndApplyHeader(
                new UnsafeBuffer(frame), 0, new MessageHeaderDecoder());
            assertEquals(ErrorCode.UNSUPPORTED_MESSAGE, error.code());
            final String reason = error.reason();
            assertTrue(reason.contains("from=SEQ"), reason);
            assertTrue(!client.closeCode.isDone(), "still open");
        }
    }

    private static byte[] subscribe(final String topic)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final SubscribeEncoder encoder = new SubscribeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(7)
            .fromSequence(SubscribeEncoder.fromSequenceNullValue())
            .topicName(topic);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    private HttpResponse<String> post(final String path, final String body) throws Exception
    {
        return send(HttpRequest.newBuilder(push.http(path))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpResponse<String> send(final HttpRequest request) throws Exception
    {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
