package io.pushengine.edge;

import io.pushengine.codec.StreamConfiguration;

/**
 * The Undertow edge's own system properties and their defaults (the fan-out's are in
 * {@link io.pushengine.edge.fanout.FanOutConfiguration}, those shared with the engine in
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
    /** Default batching window per connection (0: send as soon as the socket takes it). */
    public static final String BATCH_WINDOW_MS_PROP_NAME = "push.edge.batch.window.ms";
    public static final long BATCH_WINDOW_MS_DEFAULT = 0;
    /** Largest batching window a client may ask for with {@code window=}. */
    public static final String MAX_BATCH_WINDOW_MS_PROP_NAME = "push.edge.batch.window.max.ms";
    public static final long MAX_BATCH_WINDOW_MS_DEFAULT = 1000;
    /** Policies a client may ask for with {@code policy=} (comma separated; empty: none). */
    public static final String CLIENT_POLICIES_PROP_NAME = "push.edge.backpressure.client.policies";
    public static final String CLIENT_POLICIES_DEFAULT = "disconnect,conflate,drop,throttle";
    /** Events/s per subscription for a client asking {@code policy=throttle} without {@code rate=}. */
    public static final String THROTTLE_RATE_PROP_NAME = "push.edge.throttle.rate";
    public static final int THROTTLE_RATE_DEFAULT = 10;
    /** Largest {@code rate=} a client may ask for. */
    public static final String MAX_THROTTLE_RATE_PROP_NAME = "push.edge.throttle.max.rate";
    public static final int MAX_THROTTLE_RATE_DEFAULT = 1000;
    /**
     * Transports whose answers are compressed for clients that ask, comma-separated: {@code poll} (gzip per answer,
     * the default), {@code sse} (one gzip stream per connection, flushed per write), {@code websocket}
     * (permessage-deflate, RFC 7692); empty for none.
     */
    public static final String COMPRESSION_PROP_NAME = "push.edge.compression";
    public static final String COMPRESSION_DEFAULT = "poll";
    /**
     * Most SSE and WebSocket streams compressed at once (each keeps a deflater, ~260 KiB native); past it streams
     * are served uncompressed and counted.
     */
    public static final String COMPRESSION_MAX_STREAMS_PROP_NAME = "push.edge.compression.max.streams";
    /**
     * Poll answers shorter than this many bytes are sent as they are, even to a client that accepts gzip: gzip costs
     * about 8 us of CPU on a one-event answer (~280 bytes) and saves about 80 bytes of it (bench/README,
     * CompressionBenchmark), a quarter of what the rest of the poll costs.
     */
    public static final String COMPRESSION_MIN_BYTES_PROP_NAME = "push.edge.compression.min.bytes";
    public static final int COMPRESSION_MIN_BYTES_DEFAULT = 1024;
    public static final int COMPRESSION_MAX_STREAMS_DEFAULT = 256;
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
    /**
     * Largest body of a batch publish ({@code POST /publish/{topic}} with {@code Content-Type: application/x-ndjson}).
     */
    public static final String PUBLISH_BATCH_MAX_BYTES_PROP_NAME = "push.edge.publish.batch.max.bytes";
    public static final int PUBLISH_BATCH_MAX_BYTES_DEFAULT = 1024 * 1024;
    /**
     * The edge reads, offers and answers itself the {@code POST /publish} requests that repeat an admitted one on its
     * connection, pipelined or not (see {@code PublishReadAhead}); false: Undertow parses each, one journal round trip
     * per request per connection.
     */
    public static final String PUBLISH_READ_AHEAD_PROP_NAME = "push.edge.publish.read.ahead";
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

    /** HS256 key for client tokens (JWT); set it (or the file) to turn authentication on. At least 32 bytes. */
    public static final String AUTH_JWT_SECRET_PROP_NAME = "push.edge.auth.jwt.secret";
    /** A file holding the HS256 key (its bytes, trailing newline dropped), instead of the secret in a property. */
    public static final String AUTH_JWT_SECRET_FILE_PROP_NAME = "push.edge.auth.jwt.secret.file";
    /** The edge's own token for an engine whose Aeron ingress requires one (push.ingress.jwt.secret there). */
    public static final String INGRESS_TOKEN_PROP_NAME = "push.edge.ingress.token";
    public static final String INGRESS_TOKEN_FILE_PROP_NAME = "push.edge.ingress.token.file";
    public static final String AUTH_TOKEN_COOKIE_PROP_NAME = "push.edge.auth.token.cookie";
    public static final String AUTH_TOKEN_COOKIE_DEFAULT = "push_token";
    /** A WebSocket may connect without a token (and without topics) and send an Authenticate message first. */
    public static final String AUTH_FIRST_MESSAGE_PROP_NAME = "push.edge.auth.first.message";
    public static final String AUTH_TIMEOUT_MS_PROP_NAME = "push.edge.auth.timeout.ms";
    public static final long AUTH_TIMEOUT_MS_DEFAULT = 5_000;
    /** Browser origins allowed for every endpoint (comma separated, {@code *} for any). */
    public static final String ALLOWED_ORIGINS_PROP_NAME = "push.edge.allowed.origins";
    public static final String ALLOWED_ORIGINS_DEFAULT = "*";
    public static final String MAX_CONNECTIONS_PROP_NAME = "push.edge.max.connections";
    public static final int MAX_CONNECTIONS_DEFAULT = 100_000;
    public static final String MAX_CONNECTIONS_PER_ADDRESS_PROP_NAME = "push.edge.max.connections.per.address";
    public static final int MAX_CONNECTIONS_PER_ADDRESS_DEFAULT = 1_000;
    public static final String MAX_CONNECTIONS_PER_SUBJECT_PROP_NAME = "push.edge.max.connections.per.subject";
    public static final int MAX_CONNECTIONS_PER_SUBJECT_DEFAULT = 100;
    public static final String MAX_TOPICS_PER_CONNECTION_PROP_NAME = "push.edge.max.topics.per.connection";
    public static final int MAX_TOPICS_PER_CONNECTION_DEFAULT = 1_000;
    public static final String MAX_CONTROL_MESSAGES_PER_SECOND_PROP_NAME = "push.edge.max.control.messages.per.second";
    public static final int MAX_CONTROL_MESSAGES_PER_SECOND_DEFAULT = 100;
    /** Longest a client may take to send a request's headers, or to send one on a new connection (slowloris). */
    public static final String HANDSHAKE_TIMEOUT_MS_PROP_NAME = "push.edge.handshake.timeout.ms";
    public static final int HANDSHAKE_TIMEOUT_MS_DEFAULT = 10_000;
    /** A PKCS12 key store: the edge then serves https and wss only, on the same port. */
    public static final String TLS_KEY_STORE_PROP_NAME = "push.edge.tls.key.store";
    public static final String TLS_KEY_STORE_PASSWORD_PROP_NAME = "push.edge.tls.key.store.password";

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




    public static long batchWindowMs()
    {
        return Long.getLong(BATCH_WINDOW_MS_PROP_NAME, BATCH_WINDOW_MS_DEFAULT);
    }

    public static long maxBatchWindowMs()
    {
        return Long.getLong(MAX_BATCH_WINDOW_MS_PROP_NAME, MAX_BATCH_WINDOW_MS_DEFAULT);
    }



    public static String clientPolicies()
    {
        return System.getProperty(CLIENT_POLICIES_PROP_NAME, CLIENT_POLICIES_DEFAULT);
    }

    public static int throttleRate()
    {
        return Integer.getInteger(THROTTLE_RATE_PROP_NAME, THROTTLE_RATE_DEFAULT);
    }

    public static String compression()
    {
        return System.getProperty(COMPRESSION_PROP_NAME, COMPRESSION_DEFAULT);
    }

    public static int compressionMinBytes()
    {
        return Integer.getInteger(COMPRESSION_MIN_BYTES_PROP_NAME, COMPRESSION_MIN_BYTES_DEFAULT);
    }

    public static int compressionMaxStreams()
    {
        return Integer.getInteger(COMPRESSION_MAX_STREAMS_PROP_NAME, COMPRESSION_MAX_STREAMS_DEFAULT);
    }

    public static int maxThrottleRate()
    {
        return Integer.getInteger(MAX_THROTTLE_RATE_PROP_NAME, MAX_THROTTLE_RATE_DEFAULT);
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

    public static int publishBatchMaxBytes()
    {
        return Integer.getInteger(PUBLISH_BATCH_MAX_BYTES_PROP_NAME, PUBLISH_BATCH_MAX_BYTES_DEFAULT);
    }

    public static boolean publishReadAhead()
    {
        return !"false".equals(System.getProperty(PUBLISH_READ_AHEAD_PROP_NAME));
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



    public static byte[] jwtSecret()
    {
        final String secret = StreamConfiguration.propertyOrFile(AUTH_JWT_SECRET_PROP_NAME, AUTH_JWT_SECRET_FILE_PROP_NAME);
        return null == secret ? null : secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String tokenCookie()
    {
        return System.getProperty(AUTH_TOKEN_COOKIE_PROP_NAME, AUTH_TOKEN_COOKIE_DEFAULT);
    }

    public static boolean firstMessageAuthentication()
    {
        return Boolean.parseBoolean(System.getProperty(AUTH_FIRST_MESSAGE_PROP_NAME, "true"));
    }

    public static long authenticationTimeoutMs()
    {
        return Long.getLong(AUTH_TIMEOUT_MS_PROP_NAME, AUTH_TIMEOUT_MS_DEFAULT);
    }

    public static String allowedOrigins()
    {
        return System.getProperty(ALLOWED_ORIGINS_PROP_NAME, ALLOWED_ORIGINS_DEFAULT);
    }

    public static int maxConnections()
    {
        return Integer.getInteger(MAX_CONNECTIONS_PROP_NAME, MAX_CONNECTIONS_DEFAULT);
    }

    public static int maxConnectionsPerAddress()
    {
        return Integer.getInteger(MAX_CONNECTIONS_PER_ADDRESS_PROP_NAME, MAX_CONNECTIONS_PER_ADDRESS_DEFAULT);
    }

    public static int maxConnectionsPerSubject()
    {
        return Integer.getInteger(MAX_CONNECTIONS_PER_SUBJECT_PROP_NAME, MAX_CONNECTIONS_PER_SUBJECT_DEFAULT);
    }

    public static int maxTopicsPerConnection()
    {
        return Integer.getInteger(MAX_TOPICS_PER_CONNECTION_PROP_NAME, MAX_TOPICS_PER_CONNECTION_DEFAULT);
    }

    public static int maxControlMessagesPerSecond()
    {
        return Integer.getInteger(MAX_CONTROL_MESSAGES_PER_SECOND_PROP_NAME, MAX_CONTROL_MESSAGES_PER_SECOND_DEFAULT);
    }

    public static int handshakeTimeoutMs()
    {
        return Integer.getInteger(HANDSHAKE_TIMEOUT_MS_PROP_NAME, HANDSHAKE_TIMEOUT_MS_DEFAULT);
    }

    public static String tlsKeyStore()
    {
        return System.getProperty(TLS_KEY_STORE_PROP_NAME);
    }

    public static String tlsKeyStorePassword()
    {
        return System.getProperty(TLS_KEY_STORE_PASSWORD_PROP_NAME, "");
    }

    public static String ingressToken()
    {
        return StreamConfiguration.propertyOrFile(INGRESS_TOKEN_PROP_NAME, INGRESS_TOKEN_FILE_PROP_NAME);
    }
}
