package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.File;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One client stops reading while three keep up under a steady publish rate: the stalled one is cut off with 1013
 * and a reason saying where to resume when its bounded ring fills, the others receive every event in order, and the
 * stalled connection's state is released.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowConsumerTest
{
    @TempDir
    File journalDir;

    @Test
    void stalledClientIsDisconnectedAndOthersGetEverything() throws Exception
    {
        final int count = 12_000;
        final int payloadLength = 1000;
        final long publishIntervalNs = TimeUnit.SECONDS.toNanos(1) / 4_000; // a steady 4,000 events/s, 4 MB/s
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            // 500 ms of slack for the normal clients (250 ms was seen to cut one on a busy CI box); the stalled one,
            // sent 12 MB, still overflows it
            .ringCapacity(2 * 1024 * 1024)
            .maxPayloadLength(payloadLength));
            WebSocketTestClient normal = new WebSocketTestClient(push.ws("/ws?topics=feed"));
            WebSocketTestClient normal2 = new WebSocketTestClient(push.ws("/ws?topics=feed,other"));
            WebSocketTestClient normal3 = new WebSocketTestClient(push.ws("/ws?topics=feed&window=5"));
            Socket stalled = RawWebSocket.open(push.edge.port(), "topics=feed"))
        {
            await(() -> push.edge.counters().connections().get() == 4);
            final Topic topic = push.engine.topic("feed");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 5);

            // once the edge gives up on it, the stalled client reads what was already on its way, then the close
            final CompletableFuture<RawWebSocket.Frame> closeFrame = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    await(() -> push.edge.counters().fanOut().slowConsumerDisconnects().get() == 1);
                    final DataInputStream in = new DataInputStream(stalled.getInputStream());
                    RawWebSocket.Frame frame;
                    do
                    {
                        frame = RawWebSocket.readFrame(in);
                    }
                    while (frame.opcode() != 0x8);
                    return frame;
                }
                catch (final Exception ex)
                {
                    throw new CompletionException(ex);
                }
            });

            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            final long startNs = System.nanoTime();
            for (int i = 0; i < count; i++)
            {
                while (System.nanoTime() - (startNs + i * publishIntervalNs) < 0)
                {
                    Thread.sleep(1); // pacing only: bursts of about 4 events per millisecond
                }
                payload.putInt(0, i);
                while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payloadLength) < 0)
                {
                    Thread.yield();
                }
            }

            await(() -> normal.events.size() >= count, () -> "normal client received " + normal.events.size() + " (frames " + normal.frames.size() +
                ", close " + normal.closeCode + " " + normal.closeReason + ", slow disconnects " +
                push.edge.counters().fanOut().slowConsumerDisconnects().get() + ", events out " +
                push.edge.counters().fanOut().eventsOut().get() + ", sequenced " + push.engine.lastGlobalSequence() +
                ", events in " + push.edge.counters().fanOut().eventsIn().get() + ")");
            for (final WebSocketTestClient client : List.of(normal, normal2, normal3))
            {
                await(() -> client.events.size() >= count, () -> "a normal client received " +
                    client.events.size() + ", close " + client.closeCode.getNow(-1) + " " + client.closeReason);
                assertEquals(count, client.events.size());
                for (int i = 0; i < count; i++)
                {
                    assertEquals(i + 1, client.events.get(i).topicSequence());
                }
                assertTrue(client.closeCode.getNow(-1) == -1, "a normal client is still open");
            }
            await(() -> push.edge.counters().fanOut().slowConsumerDisconnects().get() == 1,
                () -> "slow consumer disconnects " + push.edge.counters().fanOut().slowConsumerDisconnects().get());
            final RawWebSocket.Frame close = closeFrame.get(30, TimeUnit.SECONDS);
            assertEquals(1013, close.closeCode());
            assertTrue(close.closeReason().startsWith("slow consumer: fell ") &&
                close.closeReason().contains("reconnect with from="), close.closeReason());
            await(() -> push.edge.counters().connections().get() == 3,
                () -> "connections " + push.edge.counters().connections().get());
        }
    }
}
