package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.File;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A churn of connections does not leave their rings' direct memory to the garbage collector: a closed connection's
 * ring is freed as soon as the edge forgets it (a quiet heap may not collect for a long time, and the direct
 * memory of thousands of rings would pile up meanwhile).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingMemoryTest
{
    private static final int CONNECTIONS = 300;
    private static final int INITIAL_RING = 4096;

    @TempDir
    File journalDir;

    @Test
    void closedConnectionsGiveTheirRingsDirectMemoryBackAtOnce() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .initialRingCapacity(INITIAL_RING)))
        {
            push.engine.topic("churn");
            cycle(push); // Undertow's buffer pool grows to what this many connections need, once
            final long before = directMemoryUsed();

            cycle(push);

            final long grown = directMemoryUsed() - before;
            assertTrue(grown < (long)CONNECTIONS * INITIAL_RING / 3, "direct memory grew by " + grown +
                " bytes over " + CONNECTIONS + " closed connections (their rings: " +
                (long)CONNECTIONS * INITIAL_RING + " bytes)");
        }
    }

    private static void cycle(final EmbeddedPush push) throws Exception
    {
        final List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++)
        {
            final Socket socket = RawWebSocket.open(push.edge.port(), "topics=churn");
            socket.setSoTimeout(10_000);
            sockets.add(socket);
        }
        for (final Socket socket : sockets)
        {
            RawWebSocket.readFrame(new DataInputStream(socket.getInputStream())); // Subscribed: a ring was made
        }
        for (final Socket socket : sockets)
        {
            socket.close();
        }
        await(() -> push.edge.counters().fanOut().sessions().get() == 0 &&
            push.edge.counters().fanOut().ringBytes().get() == 0);
    }

    private static long directMemoryUsed()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }
}
