package io.pushengine.edge;

import io.pushengine.client.PushSubscriber;
import io.pushengine.client.SubscriberFrameDecoder;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * permessage-deflate (RFC 7692) over a real socket, read by a hand-written client so that every bit on the wire is
 * seen: the offer and the answer, RSV1 on the edge's data frames, one inflater kept across messages (context
 * takeover), compressed client messages, the bound on compressed streams, a compression bomb, and offers the edge
 * declines.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketCompressionTest
{
    private static final byte[] TAIL = { 0x00, 0x00, (byte)0xFF, (byte)0xFF };

    @TempDir
    File journalDir;

    @Test
    void dataFramesAreDeflatedWithContextTakeoverAndEveryEventArrivesOnceInOrder() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, webSocketCompression(4));
            DeflateClient client = DeflateClient.open(push, "topics=c.px", "permessage-deflate; client_max_window_bits"))
        {
            assertEquals("permessage-deflate; client_no_context_takeover", client.agreed);
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            assertEquals(1, push.edge.counters().webSocketCompressedStreams().get());
            final long bytesBefore = push.edge.counters().bytesOut().get();
            final List<Long> published = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                published.add(push.engine.publish("c.px", PayloadType.JSON, ("{\"instrument\":\"EURUSD\",\"bid\":1.08" +
                    (400 + i % 50) + ",\"ask\":1.08" + (404 + i % 50) + "}").getBytes(StandardCharsets.UTF_8)));
            }
            client.readUntilEvents(200);
            assertEquals(published, client.sequences, "every event once, in order");
            assertTrue(client.compressedFrames > 0 && 0 == client.plainDataFrames,
                "data frames compressed: " + client.compressedFrames + " compressed, " + client.plainDataFrames + " plain");
            final long onTheWire = push.edge.counters().bytesOut().get() - bytesBefore;
            assertTrue(onTheWire * 2 < client.inflatedBytes, onTheWire + " bytes on the wire for " +
                client.inflatedBytes + " inflated");
        }
    }

    @Test
    void aCompressedSubscribeIsInflatedAndAnswered() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, webSocketCompression(4));
            DeflateClient client = DeflateClient.open(push, "", "permessage-deflate"))
        {
            push.engine.topic("c.sub");
            client.sendCompressed(ControlMessages.subscribe("c.sub", 77));
            client.readUntil(() -> client.subscribed.contains("c.sub"));
            final long sequence = PollTest.publish(push, "c.sub", "after a compressed subscribe");
            client.readUntilEvents(1);
            assertEquals(List.of(sequence), client.sequences);
        }
    }

    @Test
    void overTheBudgetTheExtensionIsAgreedButMessagesGoUncompressed() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, webSocketCompression(0));
            DeflateClient client = DeflateClient.open(push, "topics=c.b", "permessage-deflate"))
        {
            assertTrue(client.agreed.startsWith("permessage-deflate"), client.agreed);
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            assertEquals(1, push.edge.counters().webSocketCompressionOverBudget().get(), "counted");
            assertEquals(0, push.edge.counters().webSocketCompressedStreams().get());
            final long sequence = PollTest.publish(push, "c.b", "plain");
            client.readUntilEvents(1);
            assertEquals(List.of(sequence), client.sequences);
            assertEquals(0, client.compressedFrames, "RSV1 clear: each message may go uncompressed");
        }
    }

    @Test
    void aCompressionBombIsClosedWith1009AndCounted() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, webSocketCompression(4));
            DeflateClient client = DeflateClient.open(push, "", "permessage-deflate"))
        {
            final long limitRejections = push.edge.counters().limitRejections().get();
            client.sendCompressed(new byte[8 * 1024 * 1024]); // 8 MiB of zeros: ~8 KiB deflated
            client.readUntil(() -> client.closeCode > 0);
            assertEquals(1009, client.closeCode);
            assertTrue(client.closeReason.contains("inflates to more than"), client.closeReason);
            assertEquals(limitRejections + 1, push.edge.counters().limitRejections().get());
        }
    }

    @Test
    void offersTheEdgeCannotHonourAreDeclinedAndCompressionOffAgreesToNothing() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, webSocketCompression(4)))
        {
            try (DeflateClient smallWindow = DeflateClient.open(push, "", "permessage-deflate; server_max_window_bits=10"))
            {
                assertEquals(null, smallWindow.agreed, "the JDK's deflater cannot keep to a 1 KiB window");
            }
            try (DeflateClient fallback = DeflateClient.open(push, "",
                "permessage-deflate; server_max_window_bits=10, permessage-deflate; server_no_context_takeover"))
            {
                assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                    fallback.agreed, "the second offer");
            }
        }
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context());
            DeflateClient client = DeflateClient.open(push, "", "permessage-deflate"))
        {
            assertEquals(null, client.agreed, "websocket is not in push.edge.compression by default");
        }
    }

    private static EdgeServer.Context webSocketCompression(final int maxStreams)
    {
        return new EdgeServer.Context().compression("websocket").compressionMaxStreams(maxStreams);
    }

    /**
     * A WebSocket client written out by hand: it offers permessage-deflate and inflates the edge's compressed
     * messages with one inflater for the connection (context takeover), as a browser does.
     */
    private static final class DeflateClient implements AutoCloseable, PushSubscriber.Listener
    {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        final String agreed;
        final Inflater inflater = new Inflater(true);
        final SubscriberFrameDecoder decoder = new SubscriberFrameDecoder(this);
        final List<Long> sequences = new ArrayList<>();
        final List<String> subscribed = new ArrayList<>();
        int compressedFrames;
        int plainDataFrames;
        long inflatedBytes;
        int closeCode;
        String closeReason = "";

        private DeflateClient(final Socket socket, final String agreed) throws Exception
        {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
            this.agreed = agreed;
        }

        static DeflateClient open(final EmbeddedPush push, final String query, final String offer) throws Exception
        {
            final Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", push.edge.port()), 5000);
            socket.setSoTimeout(20_000);
            final String response = RawWebSocket.upgrade(socket, push.edge.port(), query,
                "Sec-WebSocket-Extensions: " + offer + "\r\n");
            String agreed = null;
            for (final String line : response.split("\r\n"))
            {
                if (line.toLowerCase().startsWith("sec-websocket-extensions:"))
                {
                    agreed = line.substring(line.indexOf(':') + 1).trim();
                }
            }
            return new DeflateClient(socket, agreed);
        }

        void readUntilEvents(final int count) throws Exception
        {
            readUntil(() -> sequences.size() >= count);
        }

        void readUntil(final java.util.function.BooleanSupplier done) throws Exception
        {
            while (!done.getAsBoolean())
            {
                readFrame();
            }
        }

        private void readFrame() throws Exception
        {
            final RawWebSocket.Frame frame = RawWebSocket.readFrame(in);
            if (0x8 == frame.opcode())
            {
                closeCode = frame.closeCode();
                closeReason = frame.closeReason();
                return;
            }
            if (0x2 != frame.opcode())
            {
                return; // ping: not answered, the test is short
            }
            assertTrue(frame.fin(), "unfragmented");
            byte[] message = frame.payload();
            if (frame.compressed())
            {
                compressedFrames++;
                message = inflate(message);
            }
            else
            {
                plainDataFrames++;
            }
            inflatedBytes += message.length;
            decoder.onFrame(new UnsafeBuffer(message), message.length);
        }

        private byte[] inflate(final byte[] payload) throws Exception
        {
            inflater.setInput(concat(payload, TAIL));
            final ByteArrayOutputStream inflated = new ByteArrayOutputStream();
            final byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = inflater.inflate(chunk)) > 0)
            {
                inflated.write(chunk, 0, n);
            }
            assertFalse(inflater.needsDictionary());
            return inflated.toByteArray();
        }

        /**
         * Send a message deflated on its own (client_no_context_takeover), masked, RSV1 set.
         */
        void sendCompressed(final byte[] message) throws Exception
        {
            final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            deflater.setInput(message);
            final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            final byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH)) > 0)
            {
                compressed.write(chunk, 0, n);
            }
            deflater.end();
            final byte[] body = compressed.toByteArray();
            final byte[] payload = java.util.Arrays.copyOf(body, body.length - 4); // without 00 00 FF FF
            final ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x80 | 0x40 | 0x2);
            if (payload.length < 126)
            {
                frame.write(0x80 | payload.length);
            }
            else
            {
                frame.write(0x80 | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length & 0xFF);
            }
            final byte[] mask = { 0x11, 0x22, 0x33, 0x44 };
            frame.write(mask);
            for (int i = 0; i < payload.length; i++)
            {
                frame.write(payload[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
        }

        private static byte[] concat(final byte[] a, final byte[] b)
        {
            final byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, joined, a.length, b.length);
            return joined;
        }

        public void onEvent(
            final long globalSequence,
            final String topic,
            final long topicSequence,
            final long timestampNs,
            final PayloadType payloadType,
            final DirectBuffer payload,
            final int offset,
            final int length)
        {
            sequences.add(globalSequence);
        }

        public void onSubscribed(final String topic, final long topicSequence)
        {
            subscribed.add(topic);
        }

        public void close() throws Exception
        {
            inflater.end();
            socket.close();
        }
    }
}
