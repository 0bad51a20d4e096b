package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket pings find dead peers: a peer that never answers is closed and its state released; a live client that
 * answers pings (the JDK client does so by itself) stays connected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadPeerTest
{
    @TempDir
    File journalDir;

    @Test
    void silentPeerIsClosedAndLivePeerStays() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .pingIntervalMs(100)
            .pongTimeoutMs(300));
            WebSocketTestClient live = new WebSocketTestClient(push.ws("/ws?topics=t"));
            Socket silent = RawWebSocket.open(push.edge.port(), "topics=t"))
        {
            await(() -> push.edge.counters().connections().get() == 2);

            silent.setSoTimeout(10_000);
            final InputStream in = silent.getInputStream();
            int b;
            do
            {
                b = in.read(); // pings, then a close frame, then end of stream
            }
            while (b != -1);

            assertEquals(1, push.edge.counters().pongTimeouts().get());
            await(() -> push.edge.counters().connections().get() == 1);
            final long pings = push.edge.counters().pingsSent().get();
            await(() -> push.edge.counters().pingsSent().get() > pings + 5, () -> "pings keep going to the live peer");
            assertFalse(live.closeCode.isDone(), "the live client answers pings and stays connected");
            assertTrue(push.edge.counters().pongTimeouts().get() == 1);
        }
    }
}
