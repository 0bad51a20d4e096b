package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.edge.fanout.FanOutCounters;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a connection holds and when it is let go: idle timeout, ring release for quiet connections, the lag bound
 * for clients that stop reading, and no state left behind after many connect/disconnect cycles.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionLifecycleTest
{
    @TempDir
    File journalDir;

    @Test
    void connectionWithoutSubscriptionIsClosedAfterIdleTimeoutAndSubscribedOneStays() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .idleTimeoutMs(300));
            WebSocketTestClient subscribed = new WebSocketTestClient(push.ws("/ws?topics=news"));
            WebSocketTestClient idle = new WebSocketTestClient(push.ws("/ws")))
        {
            assertEquals(1000, idle.closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(idle.closeReason.startsWith("idle: no subscription for 300 ms"), idle.closeReason);
            assertEquals(1, push.edge.counters().fanOut().idleCloses().get());

            Thread.sleep(600); // two more idle timeouts: the subscribed connection must outlive them
            push.engine.publish("news", PayloadType.TEXT, "still here".getBytes(StandardCharsets.UTF_8));
            await(() -> subscribed.events.size() == 1);
            assertFalse(subscribed.closeCode.isDone(), "a connection with a subscription is not idle");
        }
    }

    @Test
    void quietConnectionReleasesItsRingAndGetsANewOneWhenEventsCome() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringReleaseMs(200));
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=news")))
        {
            final FanOutCounters counters = push.edge.counters().fanOut();
            await(() -> counters.subscriptions().get() == 1); // an event published before it subscribed is not its
            push.engine.publish("news", PayloadType.TEXT, "one".getBytes(StandardCharsets.UTF_8));
            await(() -> client.events.size() == 1);
            await(() -> counters.ringBytes().get() == 0, () -> "ring bytes " + counters.ringBytes().get());
            assertEquals(1, push.edge.counters().connections().get());

            push.engine.publish("news", PayloadType.TEXT, "two".getBytes(StandardCharsets.UTF_8));
            await(() -> client.events.size() == 2);
            assertEquals("two", client.events.get(1).payload());
            assertEquals(2, client.events.get(1).topicSequence());
        }
    }

    @Test
    void clientThatStopsReadingIsClosedAfterTheLagBoundBeforeItsRingFills() throws Exception
    {
        final int payloadLength = 1000;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(16 * 1024 * 1024)
            .maxPayloadLength(payloadLength)
            .maxLagMs(500));
            Socket stalled = RawWebSocket.open(push.edge.port(), "topics=feed"))
        {
            final Topic topic = push.engine.topic("feed");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            for (int i = 0; i < 8_000; i++) // 8 MB: more than the kernel buffers take, less than the ring
            {
                while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payloadLength) < 0)
                {
                    Thread.yield();
                }
            }

            await(() -> push.edge.counters().fanOut().lagDisconnects().get() == 1,
                () -> "lag disconnects " + push.edge.counters().fanOut().lagDisconnects().get() + ", ring bytes " +
                push.edge.counters().fanOut().ringBytes().get());
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get(), "the ring never filled");
            await(() -> push.edge.counters().connections().get() == 0);
            assertEquals(0, push.edge.counters().fanOut().ringBytes().get());
        }
    }

    @Test
    void manyConnectDisconnectCyclesLeaveNoConnectionState() throws Exception
    {
        final String[] queries = {
            "/ws?topics=churn.A,churn.B",
            "/ws?topics=churn.A,never.declared&policy=conflate",
            "/ws?topics=churn.B&policy=drop",
            "/ws?topics=churn.A,churn.B&policy=throttle&rate=5",
        };
        final AtomicBoolean publishing = new AtomicBoolean(true);
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(16 * 1024)
            .maxPayloadLength(512)))
        {
            final Topic a = push.engine.topic("churn.A");
            final Topic b = push.engine.topic("churn.B");
            final Thread publisher = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[100]);
                while (publishing.get())
                {
                    push.engine.offer(a, PayloadType.OPAQUE, payload, 0, 100);
                    push.engine.offer(b, PayloadType.OPAQUE, payload, 0, 100);
                    LockSupport.parkNanos(200_000); // about 10,000 events/s: steady traffic, not a load test
                }
            }, "churn-publisher");
            publisher.start();

            final int cycles = 160;
            for (int i = 0; i < cycles; i++)
            {
                final WebSocketTestClient client = new WebSocketTestClient(push.ws(queries[i % queries.length]));
                if (i % 2 == 0)
                {
                    client.closeNormally();
                }
                else
                {
                    client.close(); // abrupt: TCP abort, no close frame
                }
                if (i % 4 == 0)
                {
                    try (SseTestClient sse = new SseTestClient(push.http("/sse?topics=churn.A,churn.B&policy=conflate")))
                    {
                        await(() -> !sse.events.isEmpty());
                    }
                }
            }
            publishing.set(false);
            publisher.join();

            final EdgeCounters counters = push.edge.counters();
            await(() -> counters.connections().get() == 0, () -> "connections " + counters.connections().get());
            await(() -> counters.fanOut().sessions().get() == 0,
                () -> "fan-out sessions " + counters.fanOut().sessions().get());
            assertEquals(0, counters.fanOut().subscriptions().get(), "subscriptions left");
            assertEquals(0, counters.fanOut().ringBytes().get(), "ring bytes left");
            assertEquals(0, counters.webSocketConnections().get());
            assertEquals(0, counters.sseConnections().get());
        }
    }
}
