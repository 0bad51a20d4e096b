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
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge writes WebSocket frames straight to the socket (not through Undertow's send queue): what the socket does
 * not take is kept and written when it is writable again, and every frame the server sends (events, pong, close
 * echo) goes through that one writer, in order and well formed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketWriterTest
{
    @TempDir
    File journalDir;

    @Test
    void backlogLargerThanTheSocketBuffersArrivesWholeOnceTheClientReadsAgain() throws Exception
    {
        final int events = 3_000;
        final int payloadLength = 3_000; // 9 MB: far more than loopback socket buffers hold
        final EdgeServer.Context context = new EdgeServer.Context().ringCapacity(16 * 1024 * 1024);
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, context);
            Socket client = RawWebSocket.open(push.edge.port(), "topics=bulk"))
        {
            final Topic topic = push.engine.topic("bulk");
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            for (int i = 0; i < events; i++)
            {
                while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payloadLength) < 0)
                {
                    Thread.yield();
                }
            }
            // the client reads nothing until the edge has every event: the socket fills and the writer must wait
            await(() -> push.edge.counters().fanOut().eventsOut().get() == events);
            Thread.sleep(200);

            client.setSoTimeout(20_000);
            final DataInputStream in = new DataInputStream(client.getInputStream());
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final BatchDecoder batch = new BatchDecoder();
            long next = 1;
            while (next <= events)
            {
                final RawWebSocket.Frame frame = RawWebSocket.readFrame(in);
                assertTrue(frame.opcode() != 0x8, "unexpected close frame");
                final UnsafeBuffer buffer = new UnsafeBuffer(frame.payload());
                header.wrap(buffer, 0);
                if (header.templateId() != BatchDecoder.TEMPLATE_ID)
                {
                    continue;
                }
                for (final BatchDecoder.EventsDecoder event : batch.wrapAndApplyHeader(buffer, 0, header).events())
                {
                    assertEquals(next++, event.topicSequence(), "events in order, none missing, none twice");
                    assertEquals(payloadLength, event.payloadLength());
                    event.skipPayload();
                }
            }
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get());
        }
    }

    @Test
    void pingIsAnsweredWithAPongCarryingItsPayload() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context());
            Socket client = RawWebSocket.open(push.edge.port(), "topics=p"))
        {
            client.setSoTimeout(10_000);
            final byte[] payload = "are you there".getBytes(StandardCharsets.US_ASCII);
            RawWebSocket.writeFrame(client.getOutputStream(), 0x9, payload);

            final DataInputStream in = new DataInputStream(client.getInputStream());
            RawWebSocket.Frame frame;
            do
            {
                frame = RawWebSocket.readFrame(in);
            }
            while (frame.opcode() == 0x2); // a Subscribed notice may come first
            assertEquals(0xA, frame.opcode(), "pong");
            assertArrayEquals(payload, frame.payload());
        }
    }

    @Test
    void clientCloseIsEchoedWithItsCodeAndTheConnectionEnds() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context());
            Socket client = RawWebSocket.open(push.edge.port(), "topics=c"))
        {
            client.setSoTimeout(10_000);
            await(() -> push.edge.counters().webSocketConnections().get() == 1);
            RawWebSocket.writeFrame(client.getOutputStream(), 0x8, new byte[]{ 0x0F, (byte)0xA0 }); // 4000

            final DataInputStream in = new DataInputStream(client.getInputStream());
            RawWebSocket.Frame frame;
            do
            {
                frame = RawWebSocket.readFrame(in);
            }
            while (frame.opcode() == 0x2);
            assertEquals(0x8, frame.opcode(), "close echo");
            assertEquals(4000, frame.closeCode());
            assertEquals(-1, in.read(), "the server closed the connection after its echo");
            await(() -> push.edge.counters().webSocketConnections().get() == 0);
        }
    }
}
