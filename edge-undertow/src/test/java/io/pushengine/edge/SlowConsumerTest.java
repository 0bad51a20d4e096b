package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
            Socket stalled = stalledWebSocket(push.edge.port(), "feed"))
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

    /**
     * A WebSocket client that completes the handshake and then never reads, with a tiny receive buffer.
     */
    static Socket stalledWebSocket(final int port, final String topic) throws Exception
    {
        final Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        final OutputStream out = socket.getOutputStream();
        out.write(("GET /ws?topics=" + topic + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1:" + port + "\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = socket.getInputStream();
        final StringBuilder response = new StringBuilder();
        while (!response.toString().endsWith("\r\n\r\n"))
        {
            response.append((char)in.read());
        }
        assertTrue(response.toString().startsWith("HTTP/1.1 101"), response.toString());
        return socket;
    }
}
