package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients of a quiet topic on an edge whose other topics are busy: the events that pass them in the edge's shared
 * log of recent events are not theirs to take.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuietTopicTest
{
    @TempDir
    File journalDir;

    /**
     * A client of a quiet topic among busy ones has nothing to take while the others' events pass its cursor: it
     * is neither cut as a slow consumer (the lag bound counts only its own events) nor lapped out of the window
     * (the fan-out has its IO thread read through the others' events while it has none of its own, every
     * housekeeping pass (250 ms): enough while the window takes longer than that to lap, here about a second).
     */
    @Test
    void readersOfAQuietTopicAmongBusyOnesAreNeitherCutNorLapped() throws Exception
    {
        final long maxLagMs = 500;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .maxLagMs(maxLagMs).recentWindowEvents(2048));
            WebSocketTestClient webSocket = new WebSocketTestClient(push.ws("/ws?topics=quiet"));
            SseTestClient sse = new SseTestClient(push.http("/sse?topics=quiet")))
        {
            final Topic quiet = push.engine.topic("quiet");
            final Topic busy = push.engine.topic("busy");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 2);
            push.engine.publish("quiet", PayloadType.TEXT, "first".getBytes(StandardCharsets.US_ASCII));
            await(() -> webSocket.events.size() == 1 && sse.events.size() == 1);

            // the busy topic at 2,000 events/s for five lag bounds (over two window-fulls), the quiet one silent
            final UnsafeBuffer tick = new UnsafeBuffer(new byte[32]);
            final long startNs = System.nanoTime();
            final long endNs = startNs + TimeUnit.MILLISECONDS.toNanos(5 * maxLagMs);
            int busyEvents = 0;
            while (System.nanoTime() < endNs)
            {
                if (busyEvents < (System.nanoTime() - startNs) / 500_000 &&
                    push.engine.offer(busy, PayloadType.OPAQUE, tick, 0, tick.capacity()) > 0)
                {
                    busyEvents++;
                }
                Thread.onSpinWait();
            }
            assertTrue(busyEvents > 2 * 2048, "the window was lapped at least twice: " + busyEvents + " events");
            push.engine.publish("quiet", PayloadType.TEXT, "second".getBytes(StandardCharsets.US_ASCII));
            await(() -> webSocket.events.size() == 2 && sse.events.size() == 2,
                () -> "ws " + webSocket.events.size() + ", sse " + sse.events.size() + ", closed " + webSocket.closeReason);
            assertEquals("second", webSocket.events.get(1).payload());
            assertTrue(sse.events.get(1).data().contains("\"payload\":\"second\""), sse.events.get(1).data());
            assertFalse(webSocket.closeCode.isDone(), "not cut: " + webSocket.closeReason);
            assertEquals(0, push.edge.counters().fanOut().lagDisconnects().get(), "no lag disconnect");
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get(), "nothing lapped");
            assertTrue(quiet.number() != busy.number());
        }
    }

}
