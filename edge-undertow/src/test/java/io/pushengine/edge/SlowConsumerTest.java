package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One client stops reading while another keeps up: the stalled one is cut off when its bounded ring fills, the
 * other receives every event in order, and the stalled connection's state is released.
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
            .ringCapacity(256 * 1024)
            .maxPayloadLength(payloadLength));
            WebSocketTestClient normal = new WebSocketTestClient(push.ws("/ws?topics=feed"));
            Socket stalled = RawWebSocket.open(push.edge.port(), "topics=feed"))
        {
            await(() -> push.edge.counters().connections().get() == 2);
            final Topic topic = push.engine.topic("feed");
            await(() -> normal.topicNames.containsValue("feed"));

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
            for (int i = 0; i < count; i++)
            {
                assertEquals(i + 1, normal.events.get(i).topicSequence());
            }
            await(() -> push.edge.counters().fanOut().slowConsumerDisconnects().get() == 1,
                () -> "slow consumer disconnects " + push.edge.counters().fanOut().slowConsumerDisconnects().get());
            await(() -> push.edge.counters().connections().get() == 1,
                () -> "connections " + push.edge.counters().connections().get());
            assertTrue(normal.closeCode.getNow(-1) == -1, "the normal client is still open");
        }
    }
}
