package io.pushengine.edge.fanout;

import io.pushengine.codec.ClusterLayout;

/**
 * The fan-out's system properties and their defaults, read by {@link FanOut.Context} where its fields are declared
 * (an embedder that sets a field never reads the property). The transports' own properties are the Undertow edge's
 * {@code EdgeConfiguration}.
 */
public final class FanOutConfiguration
{
    /** Bytes of outbound ring per connection (power of two): the most a slow client may fall behind. */
    public static final String RING_CAPACITY_PROP_NAME = "push.edge.ring.capacity";
    public static final int RING_CAPACITY_DEFAULT = 64 * 1024;
    /**
     * Bytes of a connection's first ring (power of two, at most the ring capacity): a connection that never has much
     * queued holds only this; one that fills it moves to a ring of the full capacity.
     */
    public static final String RING_INITIAL_CAPACITY_PROP_NAME = "push.edge.ring.initial.capacity";
    public static final int RING_INITIAL_CAPACITY_DEFAULT = 4 * 1024;
    /** Idle time after which a connection gets a heartbeat (SSE comment, WebSocket Heartbeat message). */
    public static final String HEARTBEAT_INTERVAL_MS_PROP_NAME = "push.edge.heartbeat.interval.ms";
    public static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 15_000;
    /**
     * Policy for topics no rule matches: disconnect, conflate, drop or throttle:N (N events/s per subscription).
     */
    public static final String BACKPRESSURE_POLICY_PROP_NAME = "push.edge.backpressure.policy";
    public static final String BACKPRESSURE_POLICY_DEFAULT = "disconnect";
    /** Policy per topic pattern, first match wins: e.g. {@code px.*=conflate,orders.*=drop,news.*=throttle:5}. */
    public static final String BACKPRESSURE_RULES_PROP_NAME = "push.edge.backpressure.rules";
    public static final String BACKPRESSURE_RULES_DEFAULT = "";
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
    /** Connections older than this are closed with 1001 and a reconnect hint (recycling); 0 never. */
    public static final String MAX_CONNECTION_AGE_MS_PROP_NAME = "push.edge.max.connection.age.ms";
    public static final long MAX_CONNECTION_AGE_MS_DEFAULT = 0;
    /** Each drain (and recycle) close carries a hint {@code retry-after-ms=N}, N random below this. */
    public static final String DRAIN_RECONNECT_JITTER_MS_PROP_NAME = "push.edge.drain.reconnect.jitter.ms";
    public static final long DRAIN_RECONNECT_JITTER_MS_DEFAULT = 2_000;

    /**
     * The members' hosts of a replicated sequencer, in member id order (the {@code cluster-node} role's own
     * setting): set, the edge follows a cluster member's event stream and publishes through the cluster's ingress;
     * unset (default), it attaches to a single engine ({@code push.events.channel}, {@code push.ingress.channel}).
     */
    public static final String CLUSTER_HOSTS_PROP_NAME = "push.cluster.hosts";
    /** The cluster's base port ({@code cluster-node}'s own setting). */
    public static final String CLUSTER_PORT_BASE_PROP_NAME = "push.cluster.port.base";
    public static final int CLUSTER_PORT_BASE_DEFAULT = 20000;
    /** An address of the edge's host the cluster members can send its event stream to. */
    public static final String CLUSTER_LOCAL_HOST_PROP_NAME = "push.edge.cluster.local.host";
    public static final String CLUSTER_LOCAL_HOST_DEFAULT = "localhost";
    /** The member an edge follows first (spread edges over members); it moves on when that one goes quiet. */
    public static final String CLUSTER_MEMBER_PROP_NAME = "push.edge.cluster.member";
    public static final int CLUSTER_MEMBER_DEFAULT = 0;
    /** How long the followed member may send nothing (members heartbeat every 250 ms) before the edge moves on. */
    public static final String CLUSTER_MEMBER_TIMEOUT_MS_PROP_NAME = "push.edge.cluster.member.timeout.ms";
    public static final long CLUSTER_MEMBER_TIMEOUT_MS_DEFAULT = 2_000;

    /**
     * @return the cluster's layout from {@link #CLUSTER_HOSTS_PROP_NAME}, or null for a single engine.
     */
    public static ClusterLayout clusterLayout()
    {
        final String hosts = System.getProperty(CLUSTER_HOSTS_PROP_NAME);
        return null == hosts || hosts.isBlank() ? null : new ClusterLayout(ClusterLayout.hostsOf(hosts),
            Integer.getInteger(CLUSTER_PORT_BASE_PROP_NAME, CLUSTER_PORT_BASE_DEFAULT));
    }

    public static int ringCapacity()
    {
        return Integer.getInteger(RING_CAPACITY_PROP_NAME, RING_CAPACITY_DEFAULT);
    }

    public static int ringInitialCapacity()
    {
        return Integer.getInteger(RING_INITIAL_CAPACITY_PROP_NAME, RING_INITIAL_CAPACITY_DEFAULT);
    }

    public static long heartbeatIntervalMs()
    {
        return Long.getLong(HEARTBEAT_INTERVAL_MS_PROP_NAME, HEARTBEAT_INTERVAL_MS_DEFAULT);
    }

    public static String backpressurePolicy()
    {
        return System.getProperty(BACKPRESSURE_POLICY_PROP_NAME, BACKPRESSURE_POLICY_DEFAULT);
    }

    public static String backpressureRules()
    {
        return System.getProperty(BACKPRESSURE_RULES_PROP_NAME, BACKPRESSURE_RULES_DEFAULT);
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

    public static long maxConnectionAgeMs()
    {
        return Long.getLong(MAX_CONNECTION_AGE_MS_PROP_NAME, MAX_CONNECTION_AGE_MS_DEFAULT);
    }

    public static long drainReconnectJitterMs()
    {
        return Long.getLong(DRAIN_RECONNECT_JITTER_MS_PROP_NAME, DRAIN_RECONNECT_JITTER_MS_DEFAULT);
    }

    private FanOutConfiguration()
    {
    }
}
