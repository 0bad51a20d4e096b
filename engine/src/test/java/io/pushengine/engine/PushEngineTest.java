package io.pushengine.engine;

import io.pushengine.client.PublishResult;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushEngineTest
{
    private static final int EVENT_COUNT = 2_000;

    @TempDir
    File journalDir;

    record Received(long globalSequence, String topic, long topicSequence, String payload)
    {
    }

    @Test
    void inProcessSubscriberReceivesEveryEventInOrderOverIpc()
    {
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir)))
        {
            publishAndVerify(engine);
        }
    }

    @Test
    void inProcessSubscriberReceivesEveryEventInOrderOverUdp() throws Exception
    {
        final String events = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final String ingress = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context()
            .journalDir(journalDir)
            .eventsChannel(events)
            .ingressChannel(ingress)))
        {
            publishAndVerify(engine);
        }
    }

    @Test
    void topicNumbersAndSequencesContinueAfterRestart()
    {
        final Topic first;
        final long lastSequence;
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir)))
        {
            first = engine.topic("alpha");
            engine.topic("beta");
            for (int i = 0; i < 10; i++)
            {
                assertTrue(engine.publish("alpha", PayloadType.TEXT, bytes("a" + i)) > 0);
            }
            lastSequence = engine.publish("beta", PayloadType.TEXT, bytes("b"));
            assertEquals(11, lastSequence);
        }

        try (PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir)))
        {
            assertEquals(first, engine.topic("alpha"), "same number after restart");
            assertEquals(lastSequence, engine.lastGlobalSequence());

            final List<Received> received = new CopyOnWriteArrayList<>();
            try (EventSubscription subscription = subscribe(engine, received))
            {
                await(subscription::isConnected);
                assertEquals(12, engine.publish("alpha", PayloadType.TEXT, bytes("after restart")));
                await(() -> received.size() == 1);
                assertEquals(new Received(12, "alpha", 11, "after restart"), received.get(0));
            }
        }
    }

    @Test
    void refusesInvalidTopicNamesAndOversizedPayloads()
    {
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context()
            .journalDir(journalDir)
            .maxPayloadLength(64)))
        {
            assertThrows(IllegalArgumentException.class, () -> engine.topic("has space"));
            assertThrows(IllegalArgumentException.class, () -> engine.topic(""));
            final Topic topic = engine.topic("ok");
            final UnsafeBuffer big = new UnsafeBuffer(new byte[65]);
            assertEquals(PublishResult.PAYLOAD_TOO_LARGE, engine.offer(topic, PayloadType.OPAQUE, big, 0, 65));
            assertEquals(PublishResult.REJECTED, engine.publish(new Topic("ghost", 99), PayloadType.OPAQUE, big, 0, 1));
            assertEquals(1, engine.publish(topic, PayloadType.OPAQUE, big, 0, 64), "valid publish still works");
        }
    }

    @Test
    void publishAfterCloseReportsClosed()
    {
        final PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir));
        final Topic topic = engine.topic("t");
        engine.close();
        assertEquals(PublishResult.CLOSED, engine.offer(topic, PayloadType.TEXT, new UnsafeBuffer(new byte[1]), 0, 1));
    }

    private void publishAndVerify(final PushEngine engine)
    {
        final List<Received> received = new CopyOnWriteArrayList<>();
        try (EventSubscription subscription = subscribe(engine, received))
        {
            await(subscription::isConnected);
            final Topic[] topics = { engine.topic("prices.A"), engine.topic("prices.B") };
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
            for (int i = 0; i < EVENT_COUNT; i++)
            {
                final int length = payload.putStringWithoutLengthAscii(0, "event-" + i);
                long result;
                while ((result = engine.offer(topics[i % 2], PayloadType.TEXT, payload, 0, length)) ==
                    PublishResult.BACK_PRESSURED)
                {
                    Thread.yield();
                }
                assertTrue(result > 0, PublishResult.describe(result));
            }

            await(() -> received.size() >= EVENT_COUNT);
            assertEquals(EVENT_COUNT, received.size());
            final long[] lastTopicSequence = new long[2];
            for (int i = 0; i < EVENT_COUNT; i++)
            {
                final Received event = received.get(i);
                assertEquals(i + 1, event.globalSequence(), "global sequence contiguous from 1");
                assertEquals("event-" + i, event.payload());
                final int t = i % 2;
                assertEquals(topics[t].name(), event.topic());
                assertEquals(++lastTopicSequence[t], event.topicSequence(), "topic sequence contiguous");
            }
        }

        assertJournalHolds(EVENT_COUNT);
    }

    private void assertJournalHolds(final int count)
    {
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(journalDir));
            JournalReader reader = journal.newReader())
        {
            final List<Long> sequences = new ArrayList<>();
            final EventDecoder decoder = new EventDecoder();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            reader.toStart();
            while (reader.read((buffer, offset, length) ->
            {
                sequences.add(decoder.wrapAndApplyHeader(buffer, offset, header).globalSequence());
                return true;
            }, 1000) > 0)
            {
                // read all
            }
            assertEquals(count, sequences.size());
            for (int i = 0; i < count; i++)
            {
                assertEquals(i + 1, sequences.get(i));
            }
        }
    }

    private static EventSubscription subscribe(final PushEngine engine, final List<Received> received)
    {
        return engine.subscribe((globalSequence, topicName, topicSequence, timestampNs, payloadType, payload, offset,
            length) -> received.add(new Received(
                globalSequence, topicName, topicSequence, payload.getStringWithoutLengthUtf8(offset, length))));
    }

    static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void await(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("condition not met in time");
            }
            Thread.yield();
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
