package io.pushengine.app;

import io.pushengine.client.PublishResult;
import io.aeron.driver.MediaDriver;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.client.PushPublisher;
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

    private PublisherMain()
    {
    }

    static void run()
    {
        final int instruments = Integer.getInteger("push.demo.instruments", 50);
        final long ticksPerSecond = Math.max(1, Long.getLong("push.demo.ticks.per.second", 2000));
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
}
