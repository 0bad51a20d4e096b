package io.pushengine.edge;

/**
 * The edge's own system properties and their defaults (those shared with the engine are in
 * {@link io.pushengine.codec.StreamConfiguration}); read once by {@link EdgeServer.Context#conclude()}.
 */
public final class EdgeConfiguration
{
    /** Interface to bind. */
    public static final String HOST_PROP_NAME = "push.edge.host";
    public static final String HOST_DEFAULT = "127.0.0.1";
    /** HTTP port; 0 picks a free one. */
    public static final String PORT_PROP_NAME = "push.edge.port";
    public static final int PORT_DEFAULT = 8080;
    /** Bytes of outbound ring per connection (power of two): the most a slow client may fall behind. */
    public static final String RING_CAPACITY_PROP_NAME = "push.edge.ring.capacity";
    public static final int RING_CAPACITY_DEFAULT = 64 * 1024;
    /** Idle time after which a connection gets a heartbeat (SSE comment, WebSocket Heartbeat message). */
    public static final String HEARTBEAT_INTERVAL_MS_PROP_NAME = "push.edge.heartbeat.interval.ms";
    public static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 15_000;
    /** Default batching window per connection (0: send as soon as the socket takes it). */
    public static final String BATCH_WINDOW_MS_PROP_NAME = "push.edge.batch.window.ms";
    public static final long BATCH_WINDOW_MS_DEFAULT = 0;
    /** Largest batching window a client may ask for with {@code window=}. */
    public static final String MAX_BATCH_WINDOW_MS_PROP_NAME = "push.edge.batch.window.max.ms";
    public static final long MAX_BATCH_WINDOW_MS_DEFAULT = 1000;
    /**
     * Policy for topics no rule matches: disconnect, conflate, drop or throttle:N (N events/s per subscription).
     */
    public static final String BACKPRESSURE_POLICY_PROP_NAME = "push.edge.backpressure.policy";
    public static final String BACKPRESSURE_POLICY_DEFAULT = "disconnect";
    /** Policy per topic pattern, first match wins: e.g. {@code px.*=conflate,orders.*=drop,news.*=throttle:5}. */
    public static final String BACKPRESSURE_RULES_PROP_NAME = "push.edge.backpressure.rules";
    public static final String BACKPRESSURE_RULES_DEFAULT = "";
    /** Policies a client may ask for with {@code policy=} (comma separated; empty: none). */
    public static final String CLIENT_POLICIES_PROP_NAME = "push.edge.backpressure.client.policies";
    public static final String CLIENT_POLICIES_DEFAULT = "disconnect,conflate,drop,throttle";
    /** Events/s per subscription for a client asking {@code policy=throttle} without {@code rate=}. */
    public static final String THROTTLE_RATE_PROP_NAME = "push.edge.throttle.rate";
    public static final int THROTTLE_RATE_DEFAULT = 10;
    /** Largest {@code rate=} a client may ask for. */
    public static final String MAX_THROTTLE_RATE_PROP_NAME = "push.edge.throttle.max.rate";
    public static final int MAX_THROTTLE_RATE_DEFAULT = 1000;
    /** A DISCONNECT connection with events waiting that takes nothing for this long is closed (1013). */
    public static final String MAX_LAG_MS_PROP_NAME = "push.edge.max.lag.ms";
    public static final long MAX_LAG_MS_DEFAULT = 10_000;
    /** A connection without any subscription for this long is closed (WebSocket 1000); 0 for never. */
    public static final String IDLE_TIMEOUT_MS_PROP_NAME = "push.edge.idle.timeout.ms";
    public static final long IDLE_TIMEOUT_MS_DEFAULT = 60_000;
    /** A connection's ring, once empty and unwritten this long, is released (an idle connection holds none). */
    public static final String RING_RELEASE_MS_PROP_NAME = "push.edge.ring.release.ms";
    public static final long RING_RELEASE_MS_DEFAULT = 5_000;
    /** Bytes of recent events the edge keeps to serve resuming clients without asking the engine's journal. */
    public static final String RECENT_WINDOW_BYTES_PROP_NAME = "push.edge.recent.window.bytes";
    public static final int RECENT_WINDOW_BYTES_DEFAULT = 8 * 1024 * 1024;
    /** Most recent events kept (power of two). */
    public static final String RECENT_WINDOW_EVENTS_PROP_NAME = "push.edge.recent.window.events";
    public static final int RECENT_WINDOW_EVENTS_DEFAULT = 64 * 1024;
    /** WebSocket ping interval. */
    public static final String PING_INTERVAL_MS_PROP_NAME = "push.edge.ping.interval.ms";
    public static final long PING_INTERVAL_MS_DEFAULT = 30_000;
    /** A WebSocket peer silent (no pong, no frame) for ping interval + this long is closed as dead. */
    public static final String PONG_TIMEOUT_MS_PROP_NAME = "push.edge.pong.timeout.ms";
    public static final long PONG_TIMEOUT_MS_DEFAULT = 10_000;
    /** Undertow IO threads. */
    public static final String IO_THREADS_PROP_NAME = "push.edge.io.threads";
    public static final int IO_THREADS_DEFAULT = 2;
    /** Undertow buffer size: also the largest WebSocket frame (batch) the edge builds. */
    public static final String BUFFER_SIZE_PROP_NAME = "push.edge.buffer.size";
    public static final int BUFFER_SIZE_DEFAULT = 16 * 1024;
    /** Longest {@code wait=} a long-poll may ask for; stay under the idle timeout of proxies in front (often 60 s). */
    public static final String POLL_MAX_WAIT_MS_PROP_NAME = "push.edge.poll.max.wait.ms";
    public static final long POLL_MAX_WAIT_MS_DEFAULT = 30_000;
    /**
     * Transports this edge serves (comma separated): websocket, sse, long-poll, short-poll. One left out answers
     * 403 with a reason, so clients fall back to the next; e.g. drop websocket behind a proxy that cannot carry it.
     */
    public static final String TRANSPORTS_PROP_NAME = "push.edge.transports";
    public static final String TRANSPORTS_DEFAULT = "websocket,sse,long-poll,short-poll";
    /**
     * A draining edge (SIGTERM to the {@code edge} role, or {@link EdgeServer#drain}) closes its connections with
     * 1001 spread over this window, so their clients reach the peers a few at a time.
     */
    public static final String DRAIN_MS_PROP_NAME = "push.edge.drain.ms";
    public static final long DRAIN_MS_DEFAULT = 10_000;
    /** Each drain close carries a hint {@code retry-after-ms=N}, N random below this. */
    public static final String DRAIN_RECONNECT_JITTER_MS_PROP_NAME = "push.edge.drain.reconnect.jitter.ms";
    public static final long DRAIN_RECONNECT_JITTER_MS_DEFAULT = 2_000;

    private EdgeConfiguration()
    {
    }

    public static String host()
    {
        return System.getProperty(HOST_PROP_NAME, HOST_DEFAULT);
    }

    public static int port()
    {
        return Integer.getInteger(PORT_PROP_NAME, PORT_DEFAULT);
    }

    public static int ringCapacity()
    {
        return Integer.getInteger(RING_CAPACITY_PROP_NAME, RING_CAPACITY_DEFAULT);
    }

    public static long heartbeatIntervalMs()
    {
        return Long.getLong(HEARTBEAT_INTERVAL_MS_PROP_NAME, HEARTBEAT_INTERVAL_MS_DEFAULT);
    }

    public static long batchWindowMs()
    {
        return Long.getLong(BATCH_WINDOW_MS_PROP_NAME, BATCH_WINDOW_MS_DEFAULT);
    }

    public static long maxBatchWindowMs()
    {
        return Long.getLong(MAX_BATCH_WINDOW_MS_PROP_NAME, MAX_BATCH_WINDOW_MS_DEFAULT);
    }

    public static String backpressurePolicy()
    {
        return System.getProperty(BACKPRESSURE_POLICY_PROP_NAME, BACKPRESSURE_POLICY_DEFAULT);
    }

    public static String backpressureRules()
    {
        return System.getProperty(BACKPRESSURE_RULES_PROP_NAME, BACKPRESSURE_RULES_DEFAULT);
    }

    public static String clientPolicies()
    {
        return System.getProperty(CLIENT_POLICIES_PROP_NAME, CLIENT_POLICIES_DEFAULT);
    }

    public static int throttleRate()
    {
        return Integer.getInteger(THROTTLE_RATE_PROP_NAME, THROTTLE_RATE_DEFAULT);
    }

    public static int maxThrottleRate()
    {
        return Integer.getInteger(MAX_THROTTLE_RATE_PROP_NAME, MAX_THROTTLE_RATE_DEFAULT);
    }

    public static long maxLagMs()
    {
        return Long.getLong(MAX_LAG_MS_PROP_NAME, MAX_LAG_MS_DEFAULT);
    }

    public static long idleTimeoutMs()
    {
        return Long.getLong(IDLE_TIMEOUT_MS_PROP_NAME, IDLE_TIMEOUT_MS_DEFAULT);
    }

    public static long ringReleaseMs()
    {
        return Long.getLong(RING_RELEASE_MS_PROP_NAME, RING_RELEASE_MS_DEFAULT);
    }

    public static int recentWindowBytes()
    {
        return Integer.getInteger(RECENT_WINDOW_BYTES_PROP_NAME, RECENT_WINDOW_BYTES_DEFAULT);
    }

    public static int recentWindowEvents()
    {
        return Integer.getInteger(RECENT_WINDOW_EVENTS_PROP_NAME, RECENT_WINDOW_EVENTS_DEFAULT);
    }

    public static long pingIntervalMs()
    {
        return Long.getLong(PING_INTERVAL_MS_PROP_NAME, PING_INTERVAL_MS_DEFAULT);
    }

    public static long pongTimeoutMs()
    {
        return Long.getLong(PONG_TIMEOUT_MS_PROP_NAME, PONG_TIMEOUT_MS_DEFAULT);
    }

    public static int ioThreads()
    {
        return Integer.getInteger(IO_THREADS_PROP_NAME, IO_THREADS_DEFAULT);
    }

    public static int bufferSize()
    {
        return Integer.getInteger(BUFFER_SIZE_PROP_NAME, BUFFER_SIZE_DEFAULT);
    }

    public static long pollMaxWaitMs()
    {
        return Long.getLong(POLL_MAX_WAIT_MS_PROP_NAME, POLL_MAX_WAIT_MS_DEFAULT);
    }

    public static String transports()
    {
        return System.getProperty(TRANSPORTS_PROP_NAME, TRANSPORTS_DEFAULT);
    }

    public static long drainMs()
    {
        return Long.getLong(DRAIN_MS_PROP_NAME, DRAIN_MS_DEFAULT);
    }

    public static long drainReconnectJitterMs()
    {
        return Long.getLong(DRAIN_RECONNECT_JITTER_MS_PROP_NAME, DRAIN_RECONNECT_JITTER_MS_DEFAULT);
    }
}
