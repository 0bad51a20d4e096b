package io.pushengine.bench.load;

import io.netty.channel.Channel;
import org.agrona.concurrent.EpochNanoClock;

/**
 * One simulated client: its topics, what it has received, and the bookkeeping every transport shares. Each
 * subclass is its connection's last Netty handler, so all of its state is confined to one event loop.
 */
abstract class LoadClient implements EventJson.EventSink
{
    final TransportStats stats;
    final int[] topics;
    final String topicsParameter;
    final TopicSequences sequences;
    final EpochNanoClock clock;
    volatile Channel channel;
    volatile boolean ready;
    volatile boolean stopping;

    LoadClient(final TransportStats stats, final int[] topics, final int topicCount, final EpochNanoClock clock)
    {
        this.stats = stats;
        this.topics = topics;
        this.sequences = new TopicSequences(topicCount);
        this.clock = clock;
        final StringBuilder names = new StringBuilder();
        for (final int topic : topics)
        {
            names.append(names.length() > 0 ? "," : "").append(TopicSequences.topicName(topic));
        }
        this.topicsParameter = names.toString();
    }

    /**
     * Connect; the client marks itself ready once subscribed.
     */
    abstract void open(ClientIo io);

    public void onEvent(final int topicIndex, final long topicSequence, final long timestampNs)
    {
        final long missing = sequences.onEvent(topicIndex, topicSequence);
        if (missing < 0)
        {
            stats.duplicates.increment();
            return;
        }
        stats.events.increment();
        if (missing > 0)
        {
            stats.gapEvents.add(missing);
        }
        stats.recordLatency(clock.nanoTime() - timestampNs);
    }

    void markReady()
    {
        if (!ready)
        {
            ready = true;
            stats.ready.incrementAndGet();
        }
    }

    /**
     * Events received (each once, in order per topic).
     */
    long received()
    {
        return sequences.received();
    }

    void close()
    {
        stopping = true;
        final Channel c = channel;
        if (null != c)
        {
            c.close();
        }
    }
}
