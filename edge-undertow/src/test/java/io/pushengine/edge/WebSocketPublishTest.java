package io.pushengine.edge;

import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publishing over WebSocket: a service sends binary {@code Publish} messages back to back on one connection; each
 * is answered with {@code Published} (its correlation id, its sequences) once journaled, in the order sent, and
 * subscribers get every event in that order. A Publish the edge cannot take gets an {@code Error} with its
 * correlation id and the reason, is counted, publishes nothing, and leaves the connection and everything else
 * working.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketPublishTest
{
    private static final int COUNT = 2_000;
    private static final int WINDOW = 512; // publishes in flight: under the edge's 1,024 per connection

    @TempDir
    File journalDir;

    @Test
    void publishesAreAnsweredInOrderOnceJournaledAndReachSubscribers() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient publisher = new WebSocketTestClient(push.ws("/ws"));
            WebSocketTestClient subscriber = new WebSocketTestClient(push.ws("/ws?topics=svc.orders")))
        {
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            for (int i = 1; i <= COUNT; i++)
            {
                final int sent = i - 1;
                await(() -> sent - publisher.published.size() < WINDOW, () -> "no answers"); // as a client should
                publisher.sendBinary(ControlMessages.publish("svc.orders", 1000 + i, PayloadType.JSON,
                    ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }

            await(() -> publisher.published.size() == COUNT,
                () -> "answers: " + publisher.published.size() + " of " + COUNT + ", errors " + publisher.errors);
            await(() -> subscriber.events.size() == COUNT, () -> "delivered " + subscriber.events.size());
            long lastSequence = 0;
            for (int i = 1; i <= COUNT; i++)
            {
                final long[] answer = publisher.published.get(i - 1);
                assertEquals(1000 + i, answer[0], "answers in the order sent, with the client's correlation id");
                assertEquals(i, answer[3], "topic sequence of publish " + i);
                assertTrue(answer[1] > lastSequence, "global sequences increase");
                lastSequence = answer[1];

                final WebSocketTestClient.Event event = subscriber.events.get(i - 1);
                assertEquals("{\"order\":" + i + "}", event.payload());
                assertEquals(answer[1], event.globalSequence(), "the answer names the sequence delivered");
            }
            assertTrue(publisher.errors.isEmpty(), publisher.errors.toString());
            assertEquals(COUNT, push.edge.counters().publishRequests().get());
        }
    }

    @Test
    void aPublishTheEdgeCannotTakeIsAnsweredWithAReasonAndCountedAndHurtsNothing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxPayloadLength(64));
            WebSocketTestClient publisher = new WebSocketTestClient(push.ws("/ws"));
            WebSocketTestClient subscriber = new WebSocketTestClient(push.ws("/ws?topics=svc.t")))
        {
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            publisher.sendBinary(ControlMessages.publish("bad topic", 1, PayloadType.JSON, "{}".getBytes()));
            publisher.sendBinary(ControlMessages.publish("svc.t", 2, PayloadType.JSON,
                new byte[]{ '"', (byte)0xC3, (byte)0x28, '"' }));
            publisher.sendBinary(ControlMessages.publish("svc.t", 3, PayloadType.OPAQUE, new byte[65]));
            publisher.sendBinary(ControlMessages.publish("svc.t", 4, PayloadType.TEXT, new byte[0]));
            publisher.sendBinary(ControlMessages.publish("svc.t", 5, PayloadType.JSON, "{\"ok\":1}".getBytes()));

            await(() -> publisher.errors.size() == 4 && publisher.published.size() == 1,
                () -> "errors " + publisher.errors + ", answers " + publisher.published.size());
            assertError(publisher.errors.get(0), ErrorCode.INVALID_TOPIC, 1, "topic");
            assertError(publisher.errors.get(1), ErrorCode.PUBLISH_FAILED, 2, "not valid UTF-8");
            assertError(publisher.errors.get(2), ErrorCode.PUBLISH_FAILED, 3, "larger than the 64-byte maximum");
            assertError(publisher.errors.get(3), ErrorCode.PUBLISH_FAILED, 4, "empty payload");
            assertEquals(5, publisher.published.get(0)[0]);
            assertEquals(1, publisher.published.get(0)[3], "only the valid publish was sequenced");

            await(() -> subscriber.events.size() == 1);
            assertEquals("{\"ok\":1}", subscriber.events.get(0).payload());
            assertEquals(4, push.edge.counters().publishRejected().get(), "every refusal counted");
            assertEquals(1, push.engine.lastGlobalSequence(), "nothing of a refused publish was journaled");
            assertFalse(publisher.closeCode.isDone(), "the publisher's connection stays open");
        }
    }

    private static void assertError(
        final WebSocketTestClient.Error error, final ErrorCode code, final long correlationId, final String reason)
    {
        assertArrayEquals(new long[]{ code.value(), correlationId }, new long[]{ error.code(), error.correlationId() },
            error.toString());
        assertTrue(error.reason().contains(reason), error.reason());
    }
}
