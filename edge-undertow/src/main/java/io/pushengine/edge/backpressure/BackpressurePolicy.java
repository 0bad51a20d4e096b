package io.pushengine.edge.backpressure;

/**
 * What the fan-out does when a connection's outbound ring is full (the client reads slower than events arrive).
 */
public enum BackpressurePolicy
{
    /**
     * Close the connection (WebSocket 1013) with the last sequence it was given, so it can resume. For feeds where
     * every event matters and a client that cannot keep up should reconnect and catch up.
     */
    DISCONNECT,

    /**
     * Keep only the latest event of each topic while the client is behind, and send those latest values as soon as
     * the ring has room: a slow client gets the current price, never a stale backlog. Topic sequences then skip.
     */
    CONFLATE;

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
}
