package io.pushengine.edge.session;

/**
 * What a client asked for on one topic, already checked against the server's limits.
 *
 * @param maxFrequency  at most this many events per second on the topic, the latest value when due (a throttle at
 *                      that rate, capped by the server's rule); 0: the connection's policy.
 * @param batchWindowMs the topic's events may wait up to this long to leave with later events in one frame or
 *                      write (none is dropped: a batching window, not conflation); 0: the connection's window.
 */
public record SubscriptionOptions(int maxFrequency, int batchWindowMs)
{
    public static final SubscriptionOptions NONE = new SubscriptionOptions(0, 0);

    public SubscriptionOptions
    {
        if (maxFrequency < 0 || batchWindowMs < 0)
        {
            throw new IllegalArgumentException(
                "maxFrequency and batchWindowMs are 0 or more: " + maxFrequency + ", " + batchWindowMs);
        }
    }

    public static SubscriptionOptions of(final int maxFrequency, final int batchWindowMs)
    {
        return 0 == maxFrequency && 0 == batchWindowMs ? NONE : new SubscriptionOptions(maxFrequency, batchWindowMs);
    }

    public SubscriptionOptions withMaxFrequency(final int maxFrequency)
    {
        return of(maxFrequency, batchWindowMs);
    }

    public SubscriptionOptions withBatchWindowMs(final int batchWindowMs)
    {
        return of(maxFrequency, batchWindowMs);
    }
}
