package io.pushengine.bench.cluster;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.client.PushPublisher;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.PushEngine;
import io.pushengine.engine.cluster.ClusterNode;
import io.pushengine.client.ClusterPublisher;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Publish-to-acknowledgement latency and one-in-flight throughput of the sequencer: a single-node engine (the
 * {@code engine} role: journal on this host) against a 3-member cluster (the {@code cluster-node} role: committed on
 * a majority, journaled on the leader), everything on 127.0.0.1 over Aeron UDP, publisher on a media driver of its
 * own. One JVM holds every part (on a 2-core box the members compete for the same cores, as three processes would).
 * <pre>
 *   java [flags] -cp bench/target/push-bench.jar io.pushengine.bench.cluster.AckLatencyBench [single|cluster|both] [count]
 * </pre>
 * {@code -Dbench.cluster.no.edges=true} runs the members without what they serve edges (event stream, catalog and
 * replay requests), to see what that costs.
 * Prints p50/p90/p99/p99.9/max of the round trip and acknowledged publishes per second, one publish in flight; then
 * the sequencer's throughput with publishes streamed (ten times the count offered without waiting, then one
 * acknowledged publish sequenced after them all).
 */
public final class AckLatencyBench
{
    private static final int WARMUP = 5_000;

    private AckLatencyBench()
    {
    }

    @FunctionalInterface
    interface SyncPublisher
    {
        long publish(UnsafeBuffer payload, int length);
    }

    @FunctionalInterface
    interface AsyncPublisher
    {
        long offer(UnsafeBuffer payload, int length);
    }

    public static void main(final String[] args) throws Exception
    {
        System.setProperty("chronicle.analytics.disable", "true");
        final String mode = args.length > 0 ? args[0] : "both";
        final int count = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        if (!"cluster".equals(mode))
        {
            single(count);
        }
        if (!"single".equals(mode))
        {
            cluster(count);
        }
        System.exit(0); // Chronicle's and Aeron's daemon-less background threads
    }

    private static void single(final int count) throws Exception
    {
        final File dir = Files.createTempDirectory("push-ack-bench-single").toFile();
        final PushEngine engine = PushEngine.launch(new PushEngine.Context()
            .journalDir(new File(dir, "journal"))
            .eventsChannel("aeron:udp?control=127.0.0.1:24657|control-mode=dynamic|fc=max")
            .ingressChannel("aeron:udp?endpoint=127.0.0.1:24656"));
        final MediaDriver driver = publisherDriver(dir);
        final PushPublisher publisher = PushPublisher.connect(new PushPublisher.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .eventsChannel("aeron:udp?endpoint=127.0.0.1:0|control=127.0.0.1:24657|control-mode=dynamic")
            .ingressChannel("aeron:udp?endpoint=127.0.0.1:24656")
            .acknowledgements(true));
        try
        {
            publisher.awaitConnected(10_000);
            run("single node (engine role, UDP)", count,
                (payload, length) -> publisher.publish("bench.ack", PayloadType.JSON, payload, 0, length));
            throughput("single node (engine role, UDP)", count * 10,
                (payload, length) -> publisher.offer("bench.ack", PayloadType.JSON, payload, 0, length),
                (payload, length) -> publisher.publish("bench.ack", PayloadType.JSON, payload, 0, length));
        }
        finally
        {
            CloseHelper.closeAll(publisher, driver, engine);
            IoUtil.delete(dir, true);
        }
    }

    private static void cluster(final int count) throws Exception
    {
        final File dir = Files.createTempDirectory("push-ack-bench-cluster").toFile();
        final ClusterNode[] nodes = new ClusterNode[3];
        MediaDriver driver = null;
        ClusterPublisher publisher = null;
        try
        {
            for (int id = 0; id < nodes.length; id++)
            {
                nodes[id] = ClusterNode.launch(new ClusterNode.Context()
                    .memberId(id)
                    .hosts(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"))
                    .portBase(24_000)
                    .baseDir(dir)
                    .serveEdges(!Boolean.getBoolean("bench.cluster.no.edges")));
            }
            driver = publisherDriver(dir);
            publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .ingressEndpoints(nodes[0].context().ingressEndpoints())
                .egressChannel("aeron:udp?endpoint=127.0.0.1:0"));
            final ClusterPublisher p = publisher;
            run("3-member cluster (cluster-node role, UDP)", count,
                (payload, length) -> p.publish("bench.ack", PayloadType.JSON, payload, 0, length));
            throughput("3-member cluster (cluster-node role, UDP)", count * 10,
                (payload, length) -> p.offer("bench.ack", PayloadType.JSON, payload, 0, length),
                (payload, length) -> p.publish("bench.ack", PayloadType.JSON, payload, 0, length));
        }
        finally
        {
            CloseHelper.closeAll(publisher, driver);
            CloseHelper.closeAll(nodes);
            IoUtil.delete(dir, true);
        }
    }

    private static MediaDriver publisherDriver(final File dir)
    {
        return MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "publisher-aeron").getAbsolutePath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
    }

    /**
     * Sequencer throughput with publishes streamed: {@code count} offers without waiting for answers (a
     * back-pressured offer is retried), then one acknowledged publish, which is sequenced after all of them.
     */
    private static void throughput(
        final String name, final int count, final AsyncPublisher offers, final SyncPublisher last)
    {
        final byte[] json = "{\"bid\":101.25,\"ask\":101.27,\"instrument\":\"EURUSD\",\"seq\":000000000}"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final UnsafeBuffer payload = new UnsafeBuffer(json);
        final long first = last.publish(payload, json.length);
        long backPressured = 0;
        final long startNs = System.nanoTime();
        for (int i = 0; i < count; i++)
        {
            while (offers.offer(payload, json.length) <= 0)
            {
                backPressured++;
                Thread.onSpinWait();
            }
        }
        final long lastSequence = last.publish(payload, json.length);
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        System.out.printf("%-42s n=%d sequenced=%d  %.0f events/s streamed (offers retried %d times)%n",
            name, count, lastSequence - first, (lastSequence - first) / seconds, backPressured);
    }

    private static void run(final String name, final int count, final SyncPublisher publisher)
    {
        final byte[] json = "{\"bid\":101.25,\"ask\":101.27,\"instrument\":\"EURUSD\",\"seq\":000000000}"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final UnsafeBuffer payload = new UnsafeBuffer(json);
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long failures = 0;
        for (int i = 0; i < WARMUP; i++)
        {
            publisher.publish(payload, json.length);
        }
        final long startNs = System.nanoTime();
        for (int i = 0; i < count; i++)
        {
            final long sentNs = System.nanoTime();
            final long result = publisher.publish(payload, json.length);
            if (result <= 0)
            {
                failures++;
                continue;
            }
            histogram.recordValue(System.nanoTime() - sentNs);
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        System.out.printf("%-42s n=%d failed=%d  p50=%.0f us p90=%.0f us p99=%.0f us p99.9=%.0f us max=%.0f us  " +
            "%.0f acks/s (one in flight)%n", name, count, failures,
            histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(90) / 1e3,
            histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
            histogram.getMaxValue() / 1e3, (count - failures) / seconds);
    }
}
