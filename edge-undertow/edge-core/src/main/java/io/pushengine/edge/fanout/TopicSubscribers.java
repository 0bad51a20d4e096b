package io.pushengine.edge.fanout;

import io.pushengine.edge.backpressure.DeliveryPolicy;

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
    private static final long[] EMPTY_TIMES = new long[0];

    private final String name;
    private int number;
    private volatile long lastTopicSequence;
    private TopicSubscription[] subscriptions = EMPTY;
    /**
     * Beside each subscription, the time until which it is known to hold a THROTTLE value back (0: not known), so the
     * fan-out passes over it per event without touching the subscription or its connection: only the due ones cost a
     * delivery.
     */
    private long[] heldUntilNs = EMPTY_TIMES;
    private int held; // entries of heldUntilNs that are not 0: while none, the fan-out need not read it
    private int size;
    private int textLogReaders;
    /**
     * The topic's entry in the edge's {@link LastValueCache}, once it has one (an entry is never replaced): the
     * policies' re-sends read it without a hash lookup per subscription.
     */
    LastValueCache.Entry lastValue;
    /**
     * The server's backpressure rule for this topic's name, once matched (the rules do not change). Fan-out thread.
     */
    DeliveryPolicy rulePolicy;

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
     * Beside {@link #subscriptions()}, index for index: until when each is held back by its throttle.
     */
    long[] heldUntilNs()
    {
        return heldUntilNs;
    }

    /**
     * True while any subscription of the topic holds a THROTTLE value back: only then is {@link #heldUntilNs()} worth
     * reading per event.
     */
    boolean hasHeld()
    {
        return held > 0;
    }

    /**
     * The subscription holds a THROTTLE value back until {@code dueNs}: events before then need not visit it.
     */
    void heldUntil(final TopicSubscription subscription, final long dueNs)
    {
        final int slot = subscription.slot;
        if (slot >= 0 && 0 != dueNs)
        {
            if (0 == heldUntilNs[slot])
            {
                held++;
            }
            heldUntilNs[slot] = dueNs;
        }
    }

    /**
     * The subscription is no longer held (its policy changed, or it is owed a value now): visit it per event again.
     */
    void notHeld(final TopicSubscription subscription)
    {
        final int slot = subscription.slot;
        if (slot >= 0 && 0 != heldUntilNs[slot])
        {
            heldUntilNs[slot] = 0;
            held--;
        }
    }

    /**
     * How many of its subscriptions belong to sessions that read the edge's text log (SSE, polls): while there are
     * any, each event of the topic is rendered into that log; otherwise only its place is held.
     */
    int textLogReaders()
    {
        return textLogReaders;
    }

    void add(final TopicSubscription subscription)
    {
        if (subscription.session().readsTextLog())
        {
            textLogReaders++;
        }
        if (size == subscriptions.length)
        {
            subscriptions = Arrays.copyOf(subscriptions, Math.max(4, size * 2));
            heldUntilNs = Arrays.copyOf(heldUntilNs, subscriptions.length);
        }
        subscription.slot = size;
        heldUntilNs[size] = 0;
        subscriptions[size++] = subscription;
    }

    /**
     * O(1): the subscription knows its place, and the last one takes it (order among a topic's subscribers does not
     * matter), so a wave of answered long-polls or closed connections costs one step each, not a search each.
     */
    boolean remove(final TopicSubscription subscription)
    {
        final int i = subscription.slot;
        if (i < 0 || i >= size || subscriptions[i] != subscription)
        {
            return false;
        }
        if (subscription.session().readsTextLog())
        {
            textLogReaders--;
        }
        if (0 != heldUntilNs[i])
        {
            held--;
        }
        final TopicSubscription moved = subscriptions[--size];
        subscriptions[i] = moved;
        heldUntilNs[i] = heldUntilNs[size];
        moved.slot = i;
        subscriptions[size] = null;
        heldUntilNs[size] = 0;
        subscription.slot = -1;
        return true;
    }
}
