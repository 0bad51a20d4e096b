package io.pushengine.bench.load;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.client.PushPublisher;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes at a fixed rate over the load topics, round robin, on a schedule that never waits for the server
 * (open loop): event i is due at {@code start + i / rate}, and that due time, not the time it was sent, is its
 * timestamp. A server that stalls the publisher (back pressure) therefore shows the stall in every client's
 * latency instead of hiding it: the coordinated-omission correction happens at the source.
 */
final class OpenLoopPublisher implements AutoCloseable
{
    private final PushPublisher publisher;
    private final DueTimeClock dueTime;
    private final String[] topicNames;
    private final UnsafeBuffer payload;
    private final AtomicLongArray publishedPerTopic;
    private final Thread thread;
    private volatile long ratePerSecond;
    private volatile boolean running = true;
    private volatile long sent;
    private volatile long backPressured;
    private volatile long maxBehindNs;

    /**
     * The event's timestamp: its due time on the epoch clock, set by the publishing thread before each offer.
     */
    private static final class DueTimeClock implements EpochNanoClock
    {
        private long dueEpochNs;

        public long nanoTime()
        {
            return dueEpochNs;
        }
    }

    OpenLoopPublisher(
        final String aeronDirectoryName,
        final String ingressChannel,
        final int topicCount,
        final int payloadLength)
    {
        this.dueTime = new DueTimeClock();
        this.publisher = PushPublisher.connect(new PushPublisher.Context()
            .aeronDirectoryName(aeronDirectoryName)
            .ingressChannel(ingressChannel)
            .acknowledgements(false)
            .clock(dueTime));
        if (!publisher.awaitConnected(30_000))
        {
            publisher.close();
            throw new IllegalStateException("the engine's ingress (" + ingressChannel + " on " + aeronDirectoryName +
                ") did not connect");
        }
        this.topicNames = new String[topicCount];
        for (int i = 0; i < topicCount; i++)
        {
            topicNames[i] = TopicSequences.topicName(i);
        }
        final byte[] text = new byte[payloadLength];
        Arrays.fill(text, (byte)'x');
        this.payload = new UnsafeBuffer(text);
        this.publishedPerTopic = new AtomicLongArray(topicCount);
        this.thread = new Thread(this::run, "load-publisher");
        this.thread.setDaemon(true);
    }

    /**
     * Declare every topic (one event each, sent and not counted), so clients can subscribe by name at once.
     */
    void declareTopics()
    {
        final SystemEpochNanoClock clock = new SystemEpochNanoClock();
        for (final String name : topicNames)
        {
            dueTime.dueEpochNs = clock.nanoTime();
            while (publisher.offer(name, PayloadType.TEXT, payload, 0, payload.capacity()) < 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Start publishing at {@code ratePerSecond} (0: paused).
     */
    void start(final long ratePerSecond)
    {
        this.ratePerSecond = ratePerSecond;
        thread.start();
    }

    /**
     * Change the rate; the schedule restarts from now.
     */
    void rate(final long ratePerSecond)
    {
        this.ratePerSecond = ratePerSecond;
    }

    private void run()
    {
        final SystemEpochNanoClock epoch = new SystemEpochNanoClock();
        long rate = -1;
        long startNs = 0;
        long startEpochNs = 0;
        long periodNs = 0;
        long i = 0;
        long topic = 0;
        while (running)
        {
            if (rate != ratePerSecond)
            {
                rate = ratePerSecond;
                startNs = System.nanoTime();
                startEpochNs = epoch.nanoTime();
                periodNs = rate > 0 ? TimeUnit.SECONDS.toNanos(1) / rate : 0;
                i = 0;
            }
            if (0 == rate)
            {
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            final long dueNs = startNs + i * periodNs;
            long now;
            while ((now = System.nanoTime()) < dueNs)
            {
                if (dueNs - now > 100_000)
                {
                    LockSupport.parkNanos(dueNs - now - 50_000);
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            if (now - dueNs > maxBehindNs)
            {
                maxBehindNs = now - dueNs;
            }
            final int t = (int)(topic++ % topicNames.length);
            dueTime.dueEpochNs = startEpochNs + (dueNs - startNs);
            while (publisher.offer(topicNames[t], PayloadType.TEXT, payload, 0, payload.capacity()) < 0)
            {
                backPressured++;
                if (!running)
                {
                    return;
                }
                Thread.onSpinWait();
            }
            publishedPerTopic.incrementAndGet(t);
            sent++;
            i++;
        }
    }

    long sent()
    {
        return sent;
    }

    long backPressured()
    {
        return backPressured;
    }

    /**
     * Start a new measure of {@link #maxBehindNs()} (each phase window reports its own).
     */
    void resetMaxBehind()
    {
        maxBehindNs = 0;
    }

    /**
     * How far behind its schedule the publisher has been at worst since the last reset (a sign the load box is
     * saturated).
     */
    long maxBehindNs()
    {
        return maxBehindNs;
    }

    long published(final int topic)
    {
        return publishedPerTopic.get(topic);
    }

    public void close()
    {
        running = false;
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        publisher.close();
    }
}
