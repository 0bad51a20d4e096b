package io.pushengine.bench.idle;

import io.pushengine.edge.EdgeServer;
import io.pushengine.engine.PushEngine;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The {@code idle} measurement: server-side memory per idle, subscribed WebSocket connection.
 * <p>
 * Runs the embedded engine and an edge in this JVM; a child JVM ({@link IdleClients}) opens the connections so
 * that no client object is counted here. After the connections are open and their rings released, it reports the
 * growth of this JVM's heap (after full GCs), direct memory and resident set, divided by the connection count.
 * <pre>
 *   java -cp bench/target/benchmarks.jar io.pushengine.bench.idle.IdleConnectionsBench [connections] [topics]
 * </pre>
 * Loopback only, bounded (the connection count), stops by itself.
 */
public final class IdleConnectionsBench
{
    private IdleConnectionsBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int connections = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        final int topicCount = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        final Path journalDir = Files.createTempDirectory("push-idle-bench");
        PushEngine engine = null;
        EdgeServer edge = null;
        Process clients = null;
        try
        {
            engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir.toFile()));
            for (int t = 0; t < topicCount; t++)
            {
                engine.topic("idle." + t);
            }
            edge = EdgeServer.launch(new EdgeServer.Context()
                .host("127.0.0.1")
                .port(0)
                .aeronDirectoryName(engine.aeronDirectoryName())
                .eventsChannel(engine.context().eventsChannel())
                .ingressChannel(engine.context().ingressChannel())
                .ringReleaseMs(1000)
                .ringCapacity(Integer.getInteger("push.edge.ring.capacity", 64 * 1024))
                .pingIntervalMs(TimeUnit.HOURS.toMillis(1))
                .idleTimeoutMs(0));
            while (!edge.isReady())
            {
                Thread.sleep(10);
            }

            final Snapshot before = Snapshot.take();
            final long startNs = System.nanoTime();
            clients = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                IdleClients.class.getName(), "127.0.0.1", String.valueOf(edge.port()), String.valueOf(connections),
                topicsQuery(topicCount))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final BufferedReader out = new BufferedReader(
                new InputStreamReader(clients.getInputStream(), StandardCharsets.US_ASCII));
            final String ready = out.readLine();
            if (null == ready || !ready.startsWith("READY"))
            {
                throw new IllegalStateException("clients failed: " + ready);
            }
            final double openSeconds = (System.nanoTime() - startNs) / 1e9;
            final EdgeServer e = edge;
            awaitTrue(() -> e.counters().connections().get() == connections, 60);
            awaitTrue(() -> e.counters().fanOut().ringBytes().get() == 0, 30); // rings released once quiet
            final Snapshot after = Snapshot.take();

            System.out.printf("idle WebSocket connections: %,d (each subscribed to %d of %d topics), opened in %.1f s%n",
                connections, Math.min(10, topicCount), topicCount, openSeconds);
            System.out.printf("ring bytes held: %,d%n", e.counters().fanOut().ringBytes().get());
            System.out.printf("heap after GC:   %+,.0f bytes/connection (%,d -> %,d)%n",
                (after.heapUsed - before.heapUsed) / (double)connections, before.heapUsed, after.heapUsed);
            System.out.printf("direct memory:   %+,.0f bytes/connection (%,d -> %,d)%n",
                (after.directUsed - before.directUsed) / (double)connections, before.directUsed, after.directUsed);
            System.out.printf("resident set:    %+,.0f bytes/connection (%,d -> %,d kB)%n",
                (after.rssKb - before.rssKb) * 1024.0 / connections, before.rssKb, after.rssKb);
            Thread.sleep(Long.getLong("push.bench.hold.ms", 0)); // time to take a heap histogram, if asked
        }
        finally
        {
            if (null != clients)
            {
                clients.getOutputStream().close();
                clients.waitFor(30, TimeUnit.SECONDS);
                clients.destroyForcibly();
            }
            CloseHelper.quietCloseAll(edge, engine);
            IoUtil.delete(journalDir.toFile(), true);
        }
    }

    private static String topicsQuery(final int topicCount)
    {
        final StringBuilder topics = new StringBuilder();
        for (int t = 0; t < Math.min(10, topicCount); t++)
        {
            topics.append(t == 0 ? "" : ",").append("idle.").append(t);
        }
        return topics.toString();
    }

    private static String javaBinary()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void awaitTrue(final java.util.function.BooleanSupplier condition, final int seconds)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("condition not met within " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }

    private record Snapshot(long heapUsed, long directUsed, long rssKb)
    {
        static Snapshot take() throws Exception
        {
            for (int i = 0; i < 3; i++)
            {
                System.gc();
                Thread.sleep(200);
            }
            long direct = 0;
            for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
            {
                if (pool.getName().equals("direct"))
                {
                    direct = pool.getMemoryUsed();
                }
            }
            long rssKb = 0;
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return new Snapshot(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), direct, rssKb);
        }
    }
}
