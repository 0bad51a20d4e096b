package io.pushengine.edge.backpressure;

/**
 * What the fan-out does for a subscription when its connection cannot take events as fast as they arrive.
 * Chosen per topic pattern by the server ({@link BackpressureRules}); a client may ask for another within limits.
 */
public enum BackpressurePolicy
{
    /**
     * Close the connection (WebSocket 1013) when its ring is full or it has taken nothing for the lag bound, with
     * the last sequence it was given so it can resume. For streams where every event matters.
     */
    DISCONNECT,

    /**
     * Keep only the latest event of each topic while the client is behind, and send those latest values as soon as
     * the ring has room: a slow client gets the current price, never a stale backlog. Topic sequences then skip.
     */
    CONFLATE,

    /**
     * Drop events the ring has no room for and, before the next event of that topic, send a {@code Gap} notice
     * naming exactly the sequences missed, so the client can resync.
     */
    DROP,

    /**
     * Deliver at most a configured number of events per second per subscription (and bytes per second per
     * connection), conflating in between: the latest value goes out when the next slot opens.
     */
    THROTTLE;

    /**
     * @return the policy named (case-insensitive), or null if none is.
     */
    public static BackpressurePolicy parse(final String name)
    {
        for (final BackpressurePolicy policy : values())
        {
            if (policy.name().equalsIgnoreCase(name))
            {
                return policy;
            }
        }
        return null;
    }

    /**
     * @return the names clients use, lower case, comma separated.
     */
    public static String names()
    {
        final StringBuilder builder = new StringBuilder();
        for (final BackpressurePolicy policy : values())
        {
            builder.append(builder.length() == 0 ? "" : ", ").append(policy.name().toLowerCase());
        }
        return builder.toString();
    }
}
