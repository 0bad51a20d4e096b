package io.pushengine.edge.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * When each THROTTLE subscription's next value is due, so that a subscription holding a value back costs nothing
 * until then: the re-send pass visits only the subscriptions that fell due, not every one that holds something.
 * <p>
 * Every throttled send is recorded here with its due time (the send's time plus the subscription's interval) in a
 * first-in-first-out queue per interval. Sends happen in clock order, so each queue is in due order and
 * {@link #releaseDue(long, Consumer)} stops at the first entry not yet due: O(1) per send, no search, no timer per
 * subscription. An entry is stale, and dropped when it falls due, if its subscription was sent again since (its due
 * time moved), changed policy or ended; only a live entry of a subscription that is holding a value back is released.
 * <p>
 * The queues are growable rings of parallel arrays: nothing is allocated once they have grown to the most sends one
 * interval holds. A few distinct intervals are expected (one per {@code throttle:N} rule and client rate), so the
 * queue for an interval is found by a scan. Fan-out thread only.
 */
final class ThrottleSchedule
{
    private static final int INITIAL_CAPACITY = 64;

    private final List<DueQueue> queues = new ArrayList<>();
    private int entries;
    private int held;

    /**
     * A subscription was sent a value at {@code nowNs}: its next one is due at {@code nowNs} plus its interval.
     */
    void sent(final TopicSubscription subscription, final long nowNs)
    {
        final long intervalNs = subscription.minIntervalNs();
        final long dueNs = nowNs + intervalNs;
        subscription.nextDueNs = dueNs;
        queueFor(intervalNs).add(subscription, dueNs);
        entries++;
    }

    /**
     * True while any send is still within its interval (its entry not yet due or not yet dropped).
     */
    boolean hasEntries()
    {
        return entries > 0;
    }

    /**
     * True while a subscription holds a value back: it falls due by time, so the fan-out must not park long. A
     * throttled feed slower than its rate holds nothing, and lets the fan-out park.
     */
    boolean hasHeld()
    {
        return held > 0;
    }

    /**
     * A value arrived before the subscription's next one is due: it is owed when due, and until then events of the
     * topic pass it by ({@link TopicSubscribers#heldUntilNs()}). It was sent at least once, so its entry is here.
     */
    void hold(final TopicSubscription subscription)
    {
        if (!subscription.held)
        {
            subscription.held = true;
            held++;
            subscription.topic().heldUntil(subscription, subscription.nextDueNs);
        }
    }

    /**
     * The subscription no longer holds a value (it is owed it now, or was given one otherwise).
     */
    void unhold(final TopicSubscription subscription)
    {
        if (subscription.held)
        {
            subscription.held = false;
            held--;
            subscription.topic().notHeld(subscription);
        }
    }

    /**
     * Hand each subscription whose due time has come and that holds a value back to {@code release} (it is no
     * longer held when called); drop the stale entries on the way.
     *
     * @return the subscriptions released.
     */
    int releaseDue(final long nowNs, final Consumer<TopicSubscription> release)
    {
        if (0 == entries)
        {
            return 0;
        }
        int released = 0;
        for (int i = 0, size = queues.size(); i < size; i++)
        {
            final DueQueue queue = queues.get(i);
            while (!queue.isEmpty() && nowNs - queue.headDueNs() >= 0)
            {
                final long dueNs = queue.headDueNs();
                final TopicSubscription subscription = queue.removeHead();
                entries--;
                if (subscription.held && dueNs == subscription.nextDueNs)
                {
                    unhold(subscription);
                    release.accept(subscription);
                    released++;
                }
            }
        }
        return released;
    }

    private DueQueue queueFor(final long intervalNs)
    {
        for (int i = 0, size = queues.size(); i < size; i++)
        {
            final DueQueue queue = queues.get(i);
            if (queue.intervalNs == intervalNs)
            {
                return queue;
            }
        }
        final DueQueue queue = new DueQueue(intervalNs); // once per distinct interval
        queues.add(queue);
        return queue;
    }

    /**
     * The sends of one interval in due order: a ring of subscriptions and their due times.
     */
    private static final class DueQueue
    {
        final long intervalNs;
        TopicSubscription[] subscriptions = new TopicSubscription[INITIAL_CAPACITY];
        long[] dueNs = new long[INITIAL_CAPACITY];
        int head;
        int size;

        DueQueue(final long intervalNs)
        {
            this.intervalNs = intervalNs;
        }

        boolean isEmpty()
        {
            return 0 == size;
        }

        long headDueNs()
        {
            return dueNs[head];
        }

        TopicSubscription removeHead()
        {
            final TopicSubscription subscription = subscriptions[head];
            subscriptions[head] = null;
            head = (head + 1) & (subscriptions.length - 1);
            size--;
            return subscription;
        }

        void add(final TopicSubscription subscription, final long due)
        {
            if (size == subscriptions.length)
            {
                grow();
            }
            final int tail = (head + size) & (subscriptions.length - 1);
            subscriptions[tail] = subscription;
            dueNs[tail] = due;
            size++;
        }

        private void grow()
        {
            final int capacity = subscriptions.length;
            final TopicSubscription[] newSubscriptions = new TopicSubscription[capacity << 1];
            final long[] newDueNs = new long[capacity << 1];
            for (int i = 0; i < size; i++)
            {
                final int from = (head + i) & (capacity - 1);
                newSubscriptions[i] = subscriptions[from];
                newDueNs[i] = dueNs[from];
            }
            subscriptions = newSubscriptions;
            dueNs = newDueNs;
            head = 0;
        }
    }
}
