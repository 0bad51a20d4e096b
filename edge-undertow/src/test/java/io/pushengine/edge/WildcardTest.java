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
 * Wildcard subscriptions ({@code w.*}: every present and future topic under the prefix) over real sockets: with a
 * snapshot, across a topic declared later, across a reconnect that resumes from a cursor, on SSE and polls, checked
 * against the token's grants, unsubscribed as one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WildcardTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    File journalDir;

    @Test
    void presentAndFutureTopicsWithASnapshotAndAcrossAResume() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final long a1 = PollTest.publish(push, "w.a", "a1");
            final long b1 = PollTest.publish(push, "w.b", "b1");
            PollTest.publish(push, "x.other", "not under w.");
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 3);
            final List<Long> live = new ArrayList<>();
            final long cursor;
            try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=w.*&snapshot=true")))
            {
                client.snapshotEnd.get(10, TimeUnit.SECONDS);
                assertEquals(List.of(a1, b1), sorted(client.sequences()), "the current value of every topic under w.");

                live.add(PollTest.publish(push, "w.c", "a topic declared after the subscription"));
                live.add(PollTest.publish(push, "w.a", "a2"));
                PollTest.publish(push, "x.other", "still not");
                await(() -> client.sequences().size() == 4, () -> "received " + client.events);
                assertEquals(live, client.sequences().subList(2, 4), "the new topic and the old, in order");
                assertTrue(client.topicNames.containsValue("w.c"), "Subscribed named the new topic");
                cursor = live.get(1);
            }

            final List<Long> whileAway = new ArrayList<>();
            whileAway.add(PollTest.publish(push, "w.b", "b2"));
            whileAway.add(PollTest.publish(push, "w.d", "declared while the client was away"));
            PollTest.publish(push, "x.other", "never");
            try (WebSocketTestClient back = new WebSocketTestClient(push.ws("/ws?topics=w.*&from=" + cursor)))
            {
                await(() -> back.sequences().size() == 2, () -> "resumed " + back.events);
                assertEquals(whileAway, back.sequences(), "what was missed, once, in order, the new topic too");
            }
        }
    }

    @Test
    void sseAndPollsTakeWildcardsAndTheTokensGrantBoundsThem() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null,
            new EdgeServer.Context().jwtSecret(Tokens.SECRET)))
        {
            final String token = Tokens.token("w-reader", 3_600_000, List.of("w.*"), List.of());
            final String narrow = Tokens.token("narrow", 3_600_000, List.of("w.a"), List.of());
            push.engine.topic("w.a");
            try (SseTestClient sse = new SseTestClient(push.http("/sse?topics=w.*&access_token=" + token)))
            {
                await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
                final long e1 = PollTest.publish(push, "w.e", "e1");
                final long a1 = PollTest.publish(push, "w.a", "a1");
                await(() -> sse.events.size() == 2, () -> "sse " + sse.events);
                assertEquals(List.of(e1, a1), List.of(sse.events.get(0).id(), sse.events.get(1).id()));
                assertEquals("w.e", sse.events.get(0).event());

                final HttpResponse<String> poll = HTTP.send(HttpRequest.newBuilder(
                    push.http("/poll?topics=w.*&after=" + (e1 - 1) + "&access_token=" + token)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, poll.statusCode(), poll.body());
                assertTrue(poll.body().contains("\"topic\":\"w.e\"") && poll.body().contains("\"topic\":\"w.a\""),
                    poll.body());
            }

            final HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(
                push.http("/sse?topics=w.*&access_token=" + narrow)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode());
            assertTrue(refused.body().contains("topic 'w.*' is not granted to narrow"), refused.body());
            final HttpResponse<String> everything = HTTP.send(HttpRequest.newBuilder(
                push.http("/sse?topics=*&access_token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, everything.statusCode(), "a wildcard wider than the grant");
            final HttpResponse<String> malformed = HTTP.send(HttpRequest.newBuilder(
                push.http("/sse?topics=w.*x&access_token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, malformed.statusCode(), "a * anywhere but at the end");
            final HttpResponse<String> publish = HTTP.send(HttpRequest.newBuilder(push.http("/publish/w.*"))
                .header("Authorization", "Bearer " + Tokens.token("p", 3_600_000, List.of(), List.of("*")))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, publish.statusCode(), "no publishing to a wildcard: " + publish.body());
        }
    }

    @Test
    void subscribedAndUnsubscribedByMessageAsOne() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws")))
        {
            push.engine.topic("m.a");
            push.engine.topic("m.b");
            client.sendBinary(ControlMessages.subscribe("m.*", 5));
            // a Subscribed per topic under the wildcard: with the Subscribe's correlation id for topics the edge
            // knew, or 0 for one whose declaration reaches the edge after the Subscribe
            await(() -> client.topicNames.values().containsAll(List.of("m.a", "m.b")),
                () -> "Subscribed for " + client.topicNames + " ids " + client.subscribedCorrelationIds);
            assertEquals(2, client.subscribedCorrelationIds.size(), client.subscribedCorrelationIds.toString());
            final long a = PollTest.publish(push, "m.a", "a");
            final long b = PollTest.publish(push, "m.b", "b");
            await(() -> client.sequences().size() == 2);
            assertEquals(List.of(a, b), client.sequences());

            client.sendBinary(ControlMessages.unsubscribe("m.*", 6));
            client.sendBinary(ControlMessages.subscribe("z.*x", 7));
            await(() -> !client.errors.isEmpty(), () -> "a malformed wildcard is refused");
            assertEquals(ErrorCode.INVALID_TOPIC.value(), client.errors.get(0).code());
            assertEquals(0, push.edge.counters().fanOut().subscriptions().get(), "the wildcard's topics are gone");
            final long eventsIn = push.edge.counters().fanOut().eventsIn().get();
            PollTest.publish(push, "m.a", "after");
            PollTest.publish(push, "m.c", "after, new");
            await(() -> push.edge.counters().fanOut().eventsIn().get() == eventsIn + 2); // fanned out to nobody
            client.sendBinary(ControlMessages.subscribe("m.a", 8));
            await(() -> client.subscribedCorrelationIds.contains(8L));
            final long marker = PollTest.publish(push, "m.a", "marker");
            await(() -> client.sequences().contains(marker));
            assertEquals(List.of(a, b, marker), client.sequences(), "nothing of m.* while unsubscribed");
        }
    }

    private static List<Long> sorted(final List<Long> sequences)
    {
        final List<Long> copy = new ArrayList<>(sequences);
        copy.sort(Long::compare);
        return copy;
    }
}
