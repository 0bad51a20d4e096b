package io.pushengine.edge;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same path with the engine-edge streams on Aeron UDP over 127.0.0.1 instead of IPC; afterwards the journal
 * holds every event in order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpChannelTest
{
    @TempDir
    File journalDir;

    @Test
    void webSocketClientReceivesEveryEventOverUdpAndTheJournalHoldsThemAll() throws Exception
    {
        final int count = 2_000;
        final String events = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final String ingress = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        try (EmbeddedPush push = new EmbeddedPush(journalDir, events, ingress,
                new EdgeServer.Context().ringCapacity(1024 * 1024));
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=udp")))
        {
            final Topic topic = push.engine.topic("udp");
            await(() -> client.topicNames.containsValue("udp"));
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[32]);
            for (int i = 0; i < count; i++)
            {
                final int length = payload.putStringWithoutLengthAscii(0, "u" + i);
                while (push.engine.offer(topic, PayloadType.TEXT, payload, 0, length) < 0)
                {
                    Thread.yield();
                }
            }
            await(() -> client.events.size() >= count, () -> "received " + client.events.size());
            for (int i = 0; i < count; i++)
            {
                final WebSocketTestClient.Event event = client.events.get(i);
                assertEquals(i + 1, event.globalSequence());
                assertEquals(i + 1, event.topicSequence());
                assertEquals("u" + i, event.payload());
            }
        }

        final List<Long> journaled = new ArrayList<>();
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(journalDir));
            JournalReader reader = journal.newReader())
        {
            final EventDecoder decoder = new EventDecoder();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            reader.toStart();
            while (reader.read((buffer, offset, length) ->
                journaled.add(decoder.wrapAndApplyHeader(buffer, offset, header).globalSequence()), 1000) > 0)
            {
                assertTrue(journaled.size() <= count);
            }
        }
        assertEquals(count, journaled.size());
        for (int i = 0; i < count; i++)
        {
            assertEquals(i + 1, journaled.get(i));
        }
    }

    static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
