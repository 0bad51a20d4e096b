package io.pushengine.app;

import io.pushengine.client.PublishResult;
import io.aeron.driver.MediaDriver;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.client.PushPublisher;
import io.pushengine.engine.cluster.ClusterNode;
import io.pushengine.client.ClusterPublisher;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * The {@code publisher} role: the demo price feed in its own process, publishing over Aeron with a
 * {@link PushPublisher} to the engine's ingress ({@code push.ingress.channel}) — what a service that publishes
 * looks like. Fire-and-forget offers: a tick the engine did not get is superseded by the next. Prints
 * {@value #READY_LINE} once connected to the engine, and its totals when stopped.
 */
final class PublisherMain
{
    static final String READY_LINE = "push-publisher ready";
    /** The publisher's token, for an engine whose ingress requires one ({@code push.ingress.jwt.secret}). */
    static final String TOKEN_PROP_NAME = "push.publisher.token";
    /** The address the cluster's leader answers this publisher on (cluster mode): one the members reach. */
    static final String EGRESS_HOST_PROP_NAME = "push.publisher.egress.host";

    private PublisherMain()
    {
    }

    static void run()
    {
        final int instruments = Integer.getInteger("push.demo.instruments", 50);
        final long ticksPerSecond = Math.max(1, Long.getLong("push.demo.ticks.per.second", 2000));
        if (null != System.getProperty(ClusterNode.HOSTS_PROP_NAME))
        {
            runOnCluster(instruments, ticksPerSecond);
            return;
        }
        final ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
        MediaDriver driver = null;
        PushPublisher publisher = null;
        AgentRunner feedRunner = null;
        try
        {
            driver = EmbeddedMediaDriver.launchIfConfigured("publisher");
            publisher = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(EmbeddedMediaDriver.aeronDirectoryName(driver))
                .acknowledgements(false)
                .token(System.getProperty(TOKEN_PROP_NAME)));
            while (!publisher.awaitConnected(10_000))
            {
                System.out.println("push-publisher waiting for the engine at " +
                    publisher.context().ingressChannel());
            }
            final long[] notConnected = new long[1];
            final PushPublisher p = publisher;
            final DemoPriceFeed feed = new DemoPriceFeed(
                (instrument, topicName, tick, offset, length) ->
                {
                    final long result = p.offer(topicName, PayloadType.PRICE_TICK, tick, offset, length);
                    if (result == PublishResult.NOT_CONNECTED)
                    {
                        notConnected[0]++;
                    }
                    return result != PublishResult.BACK_PRESSURED;
                },
                new SystemEpochNanoClock(), instruments, ticksPerSecond);
            feedRunner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, feed);
            AgentRunner.startOnThread(feedRunner);
            System.out.println(READY_LINE + " " + ticksPerSecond + " ticks/s over " + instruments +
                " instruments to " + publisher.context().ingressChannel());
            System.out.flush();
            barrier.await();
            CloseHelper.close(feedRunner);
            System.out.println("push-publisher stopped: ticks=" + feed.ticksPublished() + " backPressured=" +
                feed.backPressured() + " notConnected=" + notConnected[0]);
        }
        finally
        {
            CloseHelper.closeAll(feedRunner, publisher, driver, barrier);
        }
    }

    /**
     * {@code push.cluster.hosts} set: the feed publishes through the cluster's ingress with a
     * {@link ClusterPublisher}, one tick at a time, each acknowledged (committed on a majority and journaled on the
     * leader) before the next; the rate is then bounded by the round trip. Prints its totals every 5 s.
     */
    private static void runOnCluster(final int instruments, final long ticksPerSecond)
    {
        final ClusterNode.Context cluster = new ClusterNode.Context();
        final String ingressEndpoints = ClusterNode.ingressEndpoints(cluster.hosts(), cluster.portBase());
        final ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        MediaDriver driver = null;
        try
        {
            driver = EmbeddedMediaDriver.launchIfConfigured("publisher");
            final MediaDriver ownDriver = driver;
            final long[] totals = new long[3]; // acknowledged, refused, unknown
            final Thread feedThread = new Thread(() ->
            {
                try (ClusterPublisher publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
                    .aeronDirectoryName(EmbeddedMediaDriver.aeronDirectoryName(ownDriver))
                    .ingressEndpoints(ingressEndpoints)
                    .egressChannel("aeron:udp?endpoint=" + System.getProperty(EGRESS_HOST_PROP_NAME, "127.0.0.1") +
                        ":0")
                    .token(System.getProperty(TOKEN_PROP_NAME))))
                {
                    System.out.println(READY_LINE + " up to " + ticksPerSecond + " ticks/s over " + instruments +
                        " instruments to the cluster at " + ingressEndpoints + ", leader " +
                        publisher.leaderMemberId());
                    System.out.flush();
                    final DemoPriceFeed feed = new DemoPriceFeed(
                        (instrument, topicName, tick, offset, length) ->
                        {
                            final long result = publisher.publish(topicName, PayloadType.PRICE_TICK, tick, offset, length);
                            totals[result > 0 ? 0 : PublishResult.REJECTED == result ? 1 : 2]++;
                            return true;
                        },
                        new SystemEpochNanoClock(), instruments, ticksPerSecond);
                    feed.onStart();
                    long nextReportMs = System.currentTimeMillis() + 5_000;
                    final SleepingMillisIdleStrategy idle = new SleepingMillisIdleStrategy(1);
                    while (running.get())
                    {
                        idle.idle(feed.doWork());
                        if (System.currentTimeMillis() >= nextReportMs)
                        {
                            publisher.doWork();
                            System.out.println("push-publisher acknowledged=" + totals[0] + " refused=" + totals[1] +
                                " unknown=" + totals[2] + " leader=" + publisher.leaderMemberId());
                            nextReportMs += 5_000;
                        }
                    }
                }
                catch (final Exception ex)
                {
                    ex.printStackTrace();
                }
            }, "push-publisher-cluster");
            feedThread.start();
            barrier.await();
            running.set(false);
            feedThread.join(15_000);
            System.out.println("push-publisher stopped: acknowledged=" + totals[0] + " refused=" + totals[1] +
                " unknown=" + totals[2]);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            CloseHelper.closeAll(driver, barrier);
        }
    }
}
