package io.pushengine.edge;

import io.pushengine.codec.sbe.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batching window per topic, over real sockets: a topic's events wait up to its window (asked in
 * {@code Subscribe}, changed with {@code UpdateSubscription}, or {@code window.TOPIC=MS} in a WebSocket or SSE URL)
 * and leave with the next event of a topic without one, in one frame, in order, none dropped. The windows here are
 * 30 s so that "held" cannot be confused with "slow": without the window the events arrive in milliseconds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicBatchingWindowTest
{
    private static final int LONG_WINDOW_MS = 30_000;
    private static final long HELD_CHECK_MS = 300;

    @TempDir
    File journalDir;

    @Test
    void aTopicsEventsWaitForItsWindowAndLeaveWithTheNextImmediateEventInOneFrame() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, longWindows());
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            push.engine.topic("bw.slow");
            push.engine.topic("bw.fast");
            client.sendBinary(ControlMessages.subscribe("bw.slow", 1, 0, LONG_WINDOW_MS));
            client.sendBinary(ControlMessages.subscribe("bw.fast", 2));
            await(() -> client.subscribedCorrelationIds.contains(1L) && client.subscribedCorrelationIds.contains(2L));

            final List<Long> published = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                published.add(PollTest.publish(push, "bw.slow", "s" + i));
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() == 3);
            Thread.sleep(HELD_CHECK_MS);
            assertEquals(0, client.events.size(), "held by the topic's window: " + client.events);

            final int framesBefore = client.batchFrames();
            published.add(PollTest.publish(push, "bw.fast", "f0"));
            await(() -> client.events.size() == 4, () -> "all four: " + client.events);
            assertEquals(published, client.sequences(), "every event, in order");
            assertEquals(1, client.batchFrames() - framesBefore, "the held events left with the immediate one");

            client.sendBinary(ControlMessages.updateSubscription("bw.slow", 3, 0, 0)); // the connection's window: none
            await(() -> client.subscribedCorrelationIds.contains(3L), () -> "update confirmed by Subscribed");
            final long next = PollTest.publish(push, "bw.slow", "s3");
            await(() -> client.events.size() == 5, () -> "no longer held: " + client.events);
            assertEquals(next, client.events.get(4).globalSequence());
            assertEquals(0, client.errors.size(), client.errors.toString());
        }
    }

    @Test
    void perTopicWindowsInTheUrlForWebSocketAndSse() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, longWindows()))
        {
            push.engine.topic("bw.slow");
            push.engine.topic("bw.fast");
            final String query = "topics=bw.slow,bw.fast&window.bw.slow=" + LONG_WINDOW_MS;
            try (WebSocketTestClient ws = new WebSocketTestClient(push.ws("/ws?" + query));
                SseTestClient sse = new SseTestClient(push.http("/sse?" + query)))
            {
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 4);
                final long slow = PollTest.publish(push, "bw.slow", "s");
                await(() -> push.edge.counters().fanOut().eventsIn().get() == 1);
                Thread.sleep(HELD_CHECK_MS);
                assertEquals(0, ws.events.size(), "WebSocket: held by the topic's window");
                assertEquals(0, sse.events.size(), "SSE: held by the topic's window");

                final long fast = PollTest.publish(push, "bw.fast", "f");
                await(() -> ws.events.size() == 2 && sse.events.size() == 2);
                assertEquals(List.of(slow, fast), ws.sequences());
                assertEquals(List.of(slow, fast), List.of(sse.events.get(0).id(), sse.events.get(1).id()));
            }
        }
    }

    @Test
    void windowsOutOfBoundsAreRefusedWithAReasonAndTheConnectionCarriesOn() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=bw.ok")))
        {
            push.engine.topic("bw.ok");
            final HttpClient http = HttpClient.newHttpClient();
            final HttpResponse<String> tooLong = http.send(HttpRequest.newBuilder(
                push.http("/sse?topics=bw.ok&window.bw.ok=5000")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, tooLong.statusCode());
            assertTrue(tooLong.body().contains("from 0 to 1000"), tooLong.body());
            final HttpResponse<String> otherTopic = http.send(HttpRequest.newBuilder(
                push.http("/ws?topics=bw.ok&window.bw.x=5")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, otherTopic.statusCode());
            assertTrue(otherTopic.body().contains("'bw.x' is not one of the topics asked for"), otherTopic.body());
            assertEquals(400, http.send(HttpRequest.newBuilder(push.http("/sse?topics=bw.ok&window.bw.ok=soon"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode());

            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            final long protocolErrors = push.edge.counters().protocolErrors().get();
            client.sendBinary(ControlMessages.subscribe("bw.other", 31, 0, 5000));
            client.sendBinary(ControlMessages.updateSubscription("bw.ok", 32, 0, 65535));
            await(() -> client.errors.size() == 2, () -> "errors " + client.errors);
            assertEquals(ErrorCode.INVALID_ARGUMENT.value(), client.errors.get(0).code());
            assertEquals(31, client.errors.get(0).correlationId());
            assertTrue(client.errors.get(0).reason().contains("batching window"), client.errors.toString());
            assertEquals(ErrorCode.INVALID_ARGUMENT.value(), client.errors.get(1).code());
            assertEquals(protocolErrors + 2, push.edge.counters().protocolErrors().get(), "counted");

            final long sequence = PollTest.publish(push, "bw.ok", "still");
            await(() -> !client.events.isEmpty(), () -> "the connection's topic carries on");
            assertEquals(sequence, client.events.get(0).globalSequence());
        }
    }

    private static EdgeServer.Context longWindows()
    {
        return new EdgeServer.Context().maxBatchWindowMs(60_000);
    }
}
