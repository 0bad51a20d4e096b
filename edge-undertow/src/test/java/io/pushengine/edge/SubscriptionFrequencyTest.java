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
 * A maximum update frequency per subscription (Lightstreamer's "max frequency"), over real sockets: asked in
 * {@code Subscribe}, changed live with {@code UpdateSubscription}, or per topic in the URL ({@code rate.TOPIC=N})
 * for WebSocket and SSE; capped by the server's throttle rules; bad values refused with a reason while the
 * connection's other topics carry on. A throttled topic gets the latest value when due (never a stale backlog), so
 * a burst of 200 events at most a few plus the last; an unthrottled one gets all 200.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubscriptionFrequencyTest
{
    private static final int BURST = 200;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void subscribeWithAMaximumFrequencyThenLiftItLive() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            PollTest.publish(push, "f.A", "before"); // the edge knows the topic: its Subscribed carries our id
            await(() -> push.edge.counters().fanOut().eventsIn().get() == 1);
            client.sendBinary(ControlMessages.subscribe("f.A", 7, 1));
            await(() -> client.subscribedCorrelationIds.contains(7L));

            final List<Long> first = burst(push, "f.A");
            await(() -> lastOf(client, "f.A") == last(first), () -> "the latest value arrives: " + client.sequences());
            final int throttled = client.sequences().size();
            assertTrue(throttled <= 10, "1 event/s over a burst of " + BURST + ": " + throttled + " delivered");
            assertIncreasing(client.sequences());

            client.sendBinary(ControlMessages.updateSubscription("f.A", 8, 0)); // the connection's policy again
            await(() -> client.subscribedCorrelationIds.contains(8L), () -> "update confirmed by Subscribed");
            final List<Long> second = burst(push, "f.A");
            await(() -> lastOf(client, "f.A") == last(second));
            final List<Long> after = client.sequences().subList(throttled, client.sequences().size());
            assertEquals(second, after, "unthrottled: every event of the second burst, in order");

            client.sendBinary(ControlMessages.updateSubscription("f.A", 9, 2)); // and down again
            await(() -> client.subscribedCorrelationIds.contains(9L));
            final int before = client.sequences().size();
            final List<Long> third = burst(push, "f.A");
            await(() -> lastOf(client, "f.A") == last(third));
            assertTrue(client.sequences().size() - before <= 12, "2 events/s again: " +
                (client.sequences().size() - before));
            assertEquals(0, client.errors.size(), client.errors.toString());
        }
    }

    @Test
    void perTopicRatesInTheUrlForWebSocketAndSse() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("f.B");
            push.engine.topic("f.C");
            try (WebSocketTestClient ws = new WebSocketTestClient(push.ws("/ws?topics=f.B,f.C&rate.f.B=1"));
                SseTestClient sse = new SseTestClient(push.http("/sse?topics=f.B,f.C&rate.f.B=1")))
            {
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 4);
                final List<Long> throttled = new ArrayList<>();
                final List<Long> full = new ArrayList<>();
                for (int i = 0; i < BURST; i++)
                {
                    throttled.add(PollTest.publish(push, "f.B", "b" + i));
                    full.add(PollTest.publish(push, "f.C", "c" + i));
                }
                await(() -> lastOf(ws, "f.B") == last(throttled) && lastOf(ws, "f.C") == last(full));
                await(() -> lastSse(sse, "f.B") == last(throttled) && lastSse(sse, "f.C") == last(full));
                assertEquals(full, ofTopic(ws, "f.C"), "the other topic is not throttled (WebSocket)");
                assertEquals(full, sseOfTopic(sse, "f.C"), "the other topic is not throttled (SSE)");
                assertTrue(ofTopic(ws, "f.B").size() <= 10, "WebSocket f.B: " + ofTopic(ws, "f.B").size());
                assertTrue(sseOfTopic(sse, "f.B").size() <= 10, "SSE f.B: " + sseOfTopic(sse, "f.B").size());
            }
        }
    }

    @Test
    void theServersThrottleRuleCapsWhatAClientAsks() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .backpressureRules("f.R*=throttle:1"));
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=f.R1&rate.f.R1=1000")))
        {
            push.engine.topic("f.R1");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            final List<Long> published = burst(push, "f.R1");
            await(() -> lastOf(client, "f.R1") == last(published));
            assertTrue(client.sequences().size() <= 10, "the rule's 1/s, not the 1000/s asked: " +
                client.sequences().size());
        }
    }

    @Test
    void badFrequenciesAreRefusedWithAReasonAndTheConnectionCarriesOn() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=f.OK")))
        {
            push.engine.topic("f.OK");
            final HttpResponse<String> tooFast = HTTP.send(HttpRequest.newBuilder(
                push.http("/sse?topics=f.OK&rate.f.OK=5000")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, tooFast.statusCode());
            assertTrue(tooFast.body().contains("from 1 to 1000"), tooFast.body());
            final HttpResponse<String> otherTopic = HTTP.send(HttpRequest.newBuilder(
                push.http("/sse?topics=f.OK&rate.f.X=2")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, otherTopic.statusCode());
            assertTrue(otherTopic.body().contains("'f.X' is not one of the topics asked for"), otherTopic.body());

            final long protocolErrors = push.edge.counters().protocolErrors().get();
            client.sendBinary(ControlMessages.subscribe("f.Y", 21, 5000));
            client.sendBinary(ControlMessages.updateSubscription("f.Z", 22, 2));
            client.sendBinary(ControlMessages.updateSubscription("f.OK", 23, 5000));
            await(() -> client.errors.size() == 3, () -> "errors " + client.errors);
            assertEquals(ErrorCode.INVALID_ARGUMENT.value(), client.errors.get(0).code());
            assertEquals(21, client.errors.get(0).correlationId());
            assertEquals(ErrorCode.NOT_SUBSCRIBED.value(), client.errors.get(1).code());
            assertTrue(client.errors.get(1).reason().contains("not subscribed to 'f.Z'"), client.errors.toString());
            assertEquals(ErrorCode.INVALID_ARGUMENT.value(), client.errors.get(2).code());
            assertTrue(client.errors.get(2).reason().contains("from 1 to 1000"), client.errors.toString());
            assertEquals(protocolErrors + 3, push.edge.counters().protocolErrors().get(), "counted");

            final List<Long> published = burst(push, "f.OK");
            await(() -> lastOf(client, "f.OK") == last(published));
            assertEquals(published, ofTopic(client, "f.OK"), "the connection's topic carries on, unthrottled");
        }
    }

    @Test
    void aPollKeepsTheLatestEventPerSlotOfARatedTopicAndEveryEventOfTheOthers() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final PollTestClient poller = new PollTestClient(push);
            push.engine.topic("p.R");
            push.engine.topic("p.F");
            final long start = poller.poll("topics=p.R,p.F&snapshot=false").cursor();
            final List<Long> rated = new ArrayList<>();
            final List<Long> full = new ArrayList<>();
            for (int i = 0; i < BURST; i++)
            {
                rated.add(PollTest.publish(push, "p.R", "r" + i));
                full.add(PollTest.publish(push, "p.F", "f" + i));
                if (0 == i % 50)
                {
                    Thread.sleep(150); // the burst spans a few 250 ms slots
                }
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 2 * BURST);

            final List<Long> ratedSeen = new ArrayList<>();
            final List<Long> fullSeen = new ArrayList<>();
            long cursor = start;
            int answers = 0;
            while (cursor < Math.max(last(rated), last(full))) // an answer is bounded: several may be needed
            {
                final PollTestClient.Answer answer = poller.poll("topics=p.R,p.F&after=" + cursor + "&rate.p.R=4");
                assertEquals(200, answer.status(), answer.body().toString());
                final java.util.Set<Long> slots = new java.util.HashSet<>();
                for (final com.fasterxml.jackson.databind.JsonNode event : answer.events())
                {
                    if ("p.R".equals(event.get("topic").asText()))
                    {
                        ratedSeen.add(event.get("sequence").asLong());
                        assertTrue(slots.add(event.get("timestampNs").asLong() / 250_000_000L),
                            "one event per 1/4 s slot of the feed's time in an answer: " + answer.body());
                    }
                    else
                    {
                        fullSeen.add(event.get("sequence").asLong());
                    }
                }
                assertTrue(answer.cursor() > cursor, "the cursor moves on");
                cursor = answer.cursor();
                assertTrue(++answers < 50, "caught up");
            }
            assertEquals(full, fullSeen, "the other topic: every event once, in order");
            assertTrue(ratedSeen.size() <= 4 * answers + 8, "thinned: " + ratedSeen.size() + " of " + BURST +
                " in " + answers + " answers");
            assertTrue(ratedSeen.contains(last(rated)), "the latest value is never thinned away: " + ratedSeen);
            assertIncreasing(ratedSeen);
            assertEquals(List.of(), poller.poll("topics=p.R,p.F&after=" + cursor + "&rate.p.R=4").sequences(),
                "nothing repeats");
        }
    }

    @Test
    void aMistypedOptionIsA400NamingItNotSilentlyIgnored() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final long rejected = push.edge.counters().httpRejected().get();
            for (final String path : List.of("/ws?topics=o.a&rat.o.a=4", "/sse?topics=o.a&windw=50",
                "/poll?topics=o.a&afterr=5"))
            {
                final HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(push.http(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(400, answer.statusCode(), path);
                assertTrue(answer.body().contains("unknown parameter '"), path + ": " + answer.body());
            }
            assertEquals(rejected + 3, push.edge.counters().httpRejected().get(), "counted");
            final PollTestClient.Answer cacheBusted = new PollTestClient(push).poll("topics=o.a&_=1733250000000");
            assertEquals(200, cacheBusted.status(), "a cache buster is let through: " + cacheBusted.body());
        }
    }

    @Test
    void badPollRatesAndWindowsAre400WithAReason() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final PollTestClient poller = new PollTestClient(push);
            final PollTestClient.Answer zero = poller.poll("topics=p.Z&rate.p.Z=0");
            assertEquals(400, zero.status());
            assertTrue(zero.body().toString().contains("from 1 to 1000"), zero.body().toString());
            final PollTestClient.Answer other = poller.poll("topics=p.Z&rate.p.Y=2");
            assertEquals(400, other.status());
            assertTrue(other.body().toString().contains("'p.Y' is not one of the topics asked for"), other.body().toString());
            final PollTestClient.Answer window = poller.poll("topics=p.Z&window.p.Z=100");
            assertEquals(400, window.status());
            assertTrue(window.body().toString().contains("already one batch"), window.body().toString());
        }
    }

    private static List<Long> burst(final EmbeddedPush push, final String topic)
    {
        final List<Long> sequences = new ArrayList<>();
        for (int i = 0; i < BURST; i++)
        {
            sequences.add(PollTest.publish(push, topic, "v" + i));
        }
        return sequences;
    }

    private static long last(final List<Long> sequences)
    {
        return sequences.get(sequences.size() - 1);
    }

    private static List<Long> ofTopic(final WebSocketTestClient client, final String topic)
    {
        final List<Long> sequences = new ArrayList<>();
        client.events.stream().filter(e -> topic.equals(e.topic())).forEach(e -> sequences.add(e.globalSequence()));
        return sequences;
    }

    private static long lastOf(final WebSocketTestClient client, final String topic)
    {
        final List<Long> sequences = ofTopic(client, topic);
        return sequences.isEmpty() ? -1 : last(sequences);
    }

    private static List<Long> sseOfTopic(final SseTestClient client, final String topic)
    {
        final List<Long> sequences = new ArrayList<>();
        client.events.stream().filter(e -> topic.equals(e.event())).forEach(e -> sequences.add(e.id()));
        return sequences;
    }

    private static long lastSse(final SseTestClient client, final String topic)
    {
        final List<Long> sequences = sseOfTopic(client, topic);
        return sequences.isEmpty() ? -1 : last(sequences);
    }

    private static void assertIncreasing(final List<Long> sequences)
    {
        for (int i = 1; i < sequences.size(); i++)
        {
            assertTrue(sequences.get(i) > sequences.get(i - 1), "in order: " + sequences);
        }
    }
}
