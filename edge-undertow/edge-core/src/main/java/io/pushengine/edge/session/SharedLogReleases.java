package io.pushengine.edge.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The THROTTLE topics of a connection that reads the edge's shared log: the fan-out decides which of such a topic's
 * events the connection is given (the first after an interval, the topic's latest when its slot opens) and releases
 * each by its global sequence here; the IO thread, walking the log, takes of those topics only the event released
 * to it, and a released event its cursor has already passed (a held value whose slot opened later) as soon as it
 * sees the release. So a throttled delivery costs a store in this table, not a copy into the connection's ring.
 * <p>
 * Only the latest release of a topic counts: two released before the IO thread looked give the client the newer one,
 * which is what THROTTLE promises (at most N events/s, ending on the latest value).
 * <p>
 * Threading: the fan-out's table, pairs (topic, sequence released, -1 for none), is written by the fan-out thread
 * only; it only grows, and is published whole when it does. The IO thread's table, pairs (topic, sequence taken),
 * is the IO thread's own. Both live as long as the connection, across its shared-log segments.
 */
final class SharedLogReleases
{
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long[] NONE = new long[0];

    private volatile long[] released = NONE;
    private long[] taken = NONE;
    private volatile long[] skipped = NONE; // IO thread writes (pairs: topic, sequence), fan-out reads

    /**
     * The topic may be released from now on. Fan-out thread; on a subscription change, not per event.
     */
    void add(final int topic)
    {
        final long[] current = released;
        if (indexOf(current, topic) < 0)
        {
            released = appended(current, topic, -1);
        }
    }

    /**
     * The event at {@code sequence} (of {@code topic}, in the shared log) goes to the connection. Fan-out thread.
     *
     * @throws IllegalStateException if the topic was not {@link #add added}.
     */
    void release(final int topic, final long sequence)
    {
        final long[] current = released;
        final int index = indexOf(current, topic);
        if (index < 0)
        {
            throw new IllegalStateException("topic " + topic + " is not throttled in the shared log");
        }
        LONGS.setRelease(current, index + 1, sequence);
    }

    /**
     * @return the sequence last released for the topic, -1 if none. IO thread.
     */
    long released(final int topic)
    {
        final long[] current = released;
        final int index = indexOf(current, topic);
        return index < 0 ? -1 : (long)LONGS.getAcquire(current, index + 1);
    }

    /**
     * @return the sequence of the topic's last release the IO thread took, -1 if none. IO thread.
     */
    long taken(final int topic)
    {
        final int index = indexOf(taken, topic);
        return index < 0 ? -1 : taken[index + 1];
    }

    /**
     * The IO thread gave the client (or handed back to the fan-out) the release at {@code sequence}. IO thread.
     */
    void taken(final int topic, final long sequence)
    {
        final int index = indexOf(taken, topic);
        if (index < 0)
        {
            taken = appended(taken, topic, sequence);
        }
        else
        {
            taken[index + 1] = sequence;
        }
    }

    /**
     * The IO thread passes over the release at {@code sequence} without giving it (the log's writer lapped it, or
     * the cursor skipped the span it is in): the fan-out, told, owes the topic's latest value again if that release
     * is still the last it made ({@link #skipped(int)}). IO thread.
     */
    void skip(final int topic, final long sequence)
    {
        taken(topic, sequence);
        final long[] current = skipped;
        final int index = indexOf(current, topic);
        if (index < 0)
        {
            skipped = appended(current, topic, sequence);
        }
        else
        {
            LONGS.setRelease(current, index + 1, sequence);
        }
    }

    /**
     * @return the last release of the topic the IO thread passed over without giving it, -1 if none. Fan-out
     * thread.
     */
    long skipped(final int topic)
    {
        final long[] current = skipped;
        final int index = indexOf(current, topic);
        return index < 0 ? -1 : (long)LONGS.getAcquire(current, index + 1);
    }

    /**
     * @return a release of the topic not yet taken, -1 if none. IO thread.
     */
    long untaken(final int topic)
    {
        final long sequence = released(topic);
        return sequence > taken(topic) ? sequence : -1;
    }

    private static int indexOf(final long[] pairs, final int topic)
    {
        for (int i = 0; i < pairs.length; i += 2)
        {
            if (pairs[i] == topic)
            {
                return i;
            }
        }
        return -1;
    }

    private static long[] appended(final long[] pairs, final int topic, final long sequence)
    {
        final long[] grown = Arrays.copyOf(pairs, pairs.length + 2);
        grown[pairs.length] = topic;
        grown[pairs.length + 1] = sequence;
        return grown;
    }
}
