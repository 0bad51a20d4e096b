package io.pushengine.edge.fanout;


import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The subscriptions to one topic, as a plain array for a tight fan-out loop. A topic may be known by name
 * before the engine has declared it (number 0): its subscribers are then bound when the declaration arrives.
 * Fan-out thread only, except {@link #lastTopicSequence()} which HTTP threads may read.
 */
public final class TopicSubscribers
{
    private static final AtomicLongFieldUpdater<TopicSubscribers> LAST_TOPIC_SEQUENCE =
        AtomicLongFieldUpdater.newUpdater(TopicSubscribers.class, "lastTopicSequence");
    private static final TopicSubscription[] EMPTY = new TopicSubscription[0];

    private final String name;
    private int number;
    private volatile long lastTopicSequence;
    private TopicSubscription[] subscriptions = EMPTY;
    private int size;
    private int textLogReaders;
    /**
     * The topic's entry in the edge's {@link LastValueCache}, once it has one (an entry is never replaced): the
     * policies' re-sends read it without a hash lookup per subscription.
     */
    LastValueCache.Entry lastValue;

    TopicSubscribers(final String name)
    {
        this.name = name;
    }

    public String name()
    {
        return name;
    }

    public int number()
    {
        return number;
    }

    void number(final int number)
    {
        this.number = number;
        this.lastValue = null;
    }

    public long lastTopicSequence()
    {
        return lastTopicSequence;
    }

    void lastTopicSequence(final long sequence)
    {
        LAST_TOPIC_SEQUENCE.lazySet(this, sequence);
    }

    TopicSubscription[] subscriptions()
    {
        return subscriptions;
    }

    int size()
    {
        return size;
    }

    /**
     * How many of its subscriptions belong to connections that read the edge's text log (SSE): while there are
     * any, each event of the topic is rendered into that log; otherwise only its place is held.
     */
    int textLogReaders()
    {
        return textLogReaders;
    }

    void add(final TopicSubscription subscription)
    {
        if (subscription.session().readsSharedLogAsText())
        {
            textLogReaders++;
        }
        if (size == subscriptions.length)
        {
            subscriptions = Arrays.copyOf(subscriptions, Math.max(4, size * 2));
        }
        subscriptions[size++] = subscription;
    }

    boolean remove(final TopicSubscription subscription)
    {
        for (int i = 0; i < size; i++)
        {
            if (subscriptions[i] == subscription)
            {
                if (subscription.session().readsSharedLogAsText())
                {
                    textLogReaders--;
                }
                subscriptions[i] = subscriptions[--size];
                subscriptions[size] = null;
                return true;
            }
        }
        return false;
    }
}
