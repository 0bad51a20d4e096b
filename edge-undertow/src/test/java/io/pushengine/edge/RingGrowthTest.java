package io.pushengine.edge;

import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.File;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection starts with a small ring and moves to one of the full capacity only when the small one fills: a
 * quiet connection holds only the small ring, and a burst that fills it arrives whole and in order across the move.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingGrowthTest
{
    private static final int INITIAL_RING = 4 * 1024;
    private static final int RING = 1024 * 1024;

    @TempDir
    File journalDir;

    private EdgeServer.Context edgeContext()
    {
        return new EdgeServer.Context()
            .initialRingCapacity(INITIAL_RING)
            .ringCapacity(RING)
            .ringReleaseMs(TimeUnit.MINUTES.toMillis(5)); // held for the whole test: the gauge shows which ring
    }

    @Test
    void quietConnectionHoldsOnlyTheSmallRing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, edgeContext());
            Socket client = RawWebSocket.open(push.edge.port(), "topics=quiet"))
        {
            push.engine.topic("quiet");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            final DataInputStream in = new DataInputStream(client.getInputStream());
            client.setSoTimeout(10_000);
            RawWebSocket.readFrame(in); // Subscribed: went through the ring

            assertEquals(INITIAL_RING, push.edge.counters().fanOut().ringBytes().get());
        }
    }

    @Test
    void burstLargerThanTheSmallRingArrivesWholeAndInOrder() throws Exception
    {
        final int backlog = 1_000;
        final int live = 1_000;
        final int payloadLength = 200;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, edgeContext()))
        {
            final Topic topic = push.engine.topic("burst");
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            publish(push, topic, payload, backlog);
            await(() -> push.edge.counters().fanOut().eventsIn().get() == backlog);

            // resuming from the start: the fan-out writes the backlog (200 KB) into the new connection's ring in
            // bursts of hundreds of events per duty cycle, far more than the 4 KiB it starts with
            try (Socket client = RawWebSocket.open(push.edge.port(), "topics=burst&from=0"))
            {
                client.setSoTimeout(20_000);
                final DataInputStream in = new DataInputStream(client.getInputStream());
                final long[] next = { 1 };
                readUntil(in, next, backlog + 1);

                publish(push, topic, payload, live);
                readUntil(in, next, backlog + live + 1);

                assertEquals(RING, push.edge.counters().fanOut().ringBytes().get(),
                    "the connection moved to a ring of the full capacity");
                assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get());
            }
        }
    }

    private static void publish(final EmbeddedPush push, final Topic topic, final UnsafeBuffer payload, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payload.capacity()) < 0)
            {
                Thread.yield();
            }
        }
    }

    /**
     * Read events until the topic sequence {@code end} (exclusive) is due, each exactly the next one.
     */
    private static void readUntil(final DataInputStream in, final long[] next, final long end) throws Exception
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final BatchDecoder batch = new BatchDecoder();
        while (next[0] < end)
        {
            final RawWebSocket.Frame frame = RawWebSocket.readFrame(in);
            assertTrue(frame.opcode() != 0x8, "unexpected close frame");
            if (frame.opcode() != 0x2)
            {
                continue;
            }
            final UnsafeBuffer buffer = new UnsafeBuffer(frame.payload());
            header.wrap(buffer, 0);
            if (header.templateId() != BatchDecoder.TEMPLATE_ID)
            {
                continue;
            }
            for (final BatchDecoder.EventsDecoder event : batch.wrapAndApplyHeader(buffer, 0, header).events())
            {
                assertEquals(next[0], event.topicSequence(), "events in order, none missing, none twice");
                next[0]++;
                event.skipPayload();
            }
        }
    }
}
