package io.pushengine.edge;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.edge.admission.Admission;
import io.pushengine.edge.admission.AdmissionSettings;
import io.pushengine.edge.admission.SlowRequestGuard;
import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.fanout.FanOut;
import io.pushengine.edge.fanout.FanOutAgent;
import io.pushengine.edge.fanout.FanOutConfiguration;
import io.pushengine.edge.http.EdgeHttpListener;
import io.pushengine.edge.http.EdgeIoThreads;
import io.pushengine.edge.http.HealthHandler;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.AllowedMethods;
import io.pushengine.edge.http.MetricsHandler;
import io.pushengine.edge.ops.OpsHandler;
import io.pushengine.edge.http.PublishHandler;
import io.pushengine.edge.http.ReadyHandler;
import io.pushengine.edge.http.StreamCompression;
import io.pushengine.edge.http.StreamParameters;
import io.pushengine.edge.http.TopicsHandler;
import io.pushengine.edge.poll.PollEndpoint;
import io.pushengine.edge.poll.PollSession;
import io.pushengine.edge.session.IoThreadFlushers;
import io.pushengine.edge.sse.SseEndpoint;
import io.pushengine.edge.sse.SseSession;
import io.pushengine.edge.websocket.WebSocketEndpoint;
import io.pushengine.edge.websocket.WebSocketSession;
import io.undertow.UndertowOptions;
import io.undertow.predicate.Predicates;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.server.handlers.encoding.ContentEncodingRepository;
import io.undertow.server.handlers.encoding.EncodingHandler;
import io.undertow.server.handlers.encoding.GzipEncodingProvider;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.pushengine.codec.ClusterLayout;
import io.pushengine.edge.cluster.ClusterIngress;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * An edge: the only part that holds client connections. Attached to an Aeron media driver, it subscribes to the
 * engine's event stream and publishes to its ingress stream, and knows the engine through nothing else, so the same
 * edge runs in the engine's JVM or on another host.
 * <pre>
 *   GET  /ws?topics=a,b     WebSocket, binary SBE Batch frames, SBE control messages
 *   GET  /sse?topics=a,b    Server-Sent Events, JSON data
 *   GET  /poll?topics=a,b&after=SEQ&wait=MS   long-poll (wait &gt; 0) and short-poll, a JSON answer and a cursor
 *   POST /publish/{topic}   HTTP ingress, answers once journaled
 *   GET  /topics            known topics and their last sequence
 *   GET  /health            200 when attached to the event stream, else 503
 *   GET  /ready             200 when caught up with the engine (for a load balancer), else 503
 *   GET  /metrics           Prometheus text
 *   GET  /                  the demo page
 * </pre>
 */
public final class EdgeServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeServer.class);
    /**
     * How long {@link #close()} waits for connections' close tasks (they touch the counters it then unmaps).
     */
    private static final long CLOSE_TASKS_TIMEOUT_MS = 10_000;

    /**
     * Configuration of an edge. Defaults from {@link EdgeConfiguration}; single use.
     */
    public static final class Context
    {
        private String host = EdgeConfiguration.host();
        private int port = EdgeConfiguration.port();
        private long batchWindowMs = EdgeConfiguration.batchWindowMs();
        private long maxBatchWindowMs = EdgeConfiguration.maxBatchWindowMs();
        private String clientPolicies = EdgeConfiguration.clientPolicies();
        private int throttleRate = EdgeConfiguration.throttleRate();
        private int maxThrottleRate = EdgeConfiguration.maxThrottleRate();
        private StreamParameters streamParameters;
        private long pingIntervalMs = EdgeConfiguration.pingIntervalMs();
        private long pongTimeoutMs = EdgeConfiguration.pongTimeoutMs();
        private int maxPayloadLength = StreamConfiguration.maxPayloadLength();
        private int ioThreads = EdgeConfiguration.ioThreads();
        private int bufferSize = EdgeConfiguration.bufferSize();
        private long publishTimeoutMs = StreamConfiguration.publishTimeoutMs();
        private boolean publishReadAhead = EdgeConfiguration.publishReadAhead();
        private long pollMaxWaitMs = EdgeConfiguration.pollMaxWaitMs();
        private long drainMs = EdgeConfiguration.drainMs();
        private String transports = EdgeConfiguration.transports();
        private EnumSet<EdgeTransport> servedTransports;
        private String compression = EdgeConfiguration.compression();
        private int compressionMaxStreams = EdgeConfiguration.compressionMaxStreams();
        private int compressionMinBytes = EdgeConfiguration.compressionMinBytes();
        private boolean gzipPolls;
        private StreamCompression streamCompression;
        private byte[] jwtSecret;
        private boolean firstMessageAuthentication = EdgeConfiguration.firstMessageAuthentication();
        private long authenticationTimeoutMs = EdgeConfiguration.authenticationTimeoutMs();
        private String allowedOrigins = EdgeConfiguration.allowedOrigins();
        private int maxConnections = EdgeConfiguration.maxConnections();
        private int maxConnectionsPerAddress = EdgeConfiguration.maxConnectionsPerAddress();
        private int maxConnectionsPerSubject = EdgeConfiguration.maxConnectionsPerSubject();
        private int maxTopicsPerConnection = EdgeConfiguration.maxTopicsPerConnection();
        private int maxControlMessagesPerSecond = EdgeConfiguration.maxControlMessagesPerSecond();
        private int handshakeTimeoutMs = EdgeConfiguration.handshakeTimeoutMs();
        private String tlsKeyStore = EdgeConfiguration.tlsKeyStore();
        private String tlsKeyStorePassword = EdgeConfiguration.tlsKeyStorePassword();
        private AdmissionSettings admissionSettings;
        private final FanOut.Context fanOut = new FanOut.Context();
        private boolean concluded;

        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded: a context is single use");
            }
            concluded = true;
            if (batchWindowMs < 0 || batchWindowMs > maxBatchWindowMs)
            {
                throw new IllegalArgumentException(EdgeConfiguration.BATCH_WINDOW_MS_PROP_NAME + " must be in 0.." +
                    maxBatchWindowMs + ": " + batchWindowMs);
            }
            final EnumSet<BackpressurePolicy> allowed = EnumSet.noneOf(BackpressurePolicy.class);
            for (final String name : clientPolicies.split(","))
            {
                if (!name.isBlank())
                {
                    final BackpressurePolicy policy = BackpressurePolicy.parse(name.trim());
                    if (null == policy)
                    {
                        throw new IllegalArgumentException(EdgeConfiguration.CLIENT_POLICIES_PROP_NAME +
                            " lists an unknown policy '" + name + "'; known: " + BackpressurePolicy.names());
                    }
                    allowed.add(policy);
                }
            }
            if (throttleRate < 1 || throttleRate > maxThrottleRate)
            {
                throw new IllegalArgumentException(EdgeConfiguration.THROTTLE_RATE_PROP_NAME + " must be in 1.." +
                    maxThrottleRate + ": " + throttleRate);
            }
            streamParameters = new StreamParameters(
                batchWindowMs, maxBatchWindowMs, allowed, throttleRate, maxThrottleRate);
            servedTransports = EdgeTransport.parseList(transports);
            boolean gzipSse = false;
            boolean deflateWebSocket = false;
            for (final String name : compression.split(","))
            {
                switch (name.trim())
                {
                    case "" -> { }
                    case "poll" -> gzipPolls = true;
                    case "sse" -> gzipSse = true;
                    case "websocket" -> deflateWebSocket = true;
                    default -> throw new IllegalArgumentException(EdgeConfiguration.COMPRESSION_PROP_NAME +
                        " lists '" + name.trim() + "': the transports that can be compressed are poll, sse, websocket");
                }
            }
            if (compressionMinBytes < 0)
            {
                throw new IllegalArgumentException(EdgeConfiguration.COMPRESSION_MIN_BYTES_PROP_NAME +
                    " must be 0 or more: " + compressionMinBytes);
            }
            if (compressionMaxStreams < 0)
            {
                throw new IllegalArgumentException(EdgeConfiguration.COMPRESSION_MAX_STREAMS_PROP_NAME +
                    " must be 0 or more: " + compressionMaxStreams);
            }
            streamCompression = new StreamCompression(gzipSse, deflateWebSocket, compressionMaxStreams);
            jwtSecret = null != jwtSecret ? jwtSecret : EdgeConfiguration.jwtSecret();
            if (null == fanOut.ingressToken())
            {
                fanOut.ingressToken(EdgeConfiguration.ingressToken());
            }
            if (null != jwtSecret && jwtSecret.length < 32)
            {
                throw new IllegalArgumentException(EdgeConfiguration.AUTH_JWT_SECRET_PROP_NAME +
                    " must be at least 32 bytes (HS256): it is " + jwtSecret.length);
            }
            final java.util.Set<String> origins = new java.util.HashSet<>();
            for (final String origin : allowedOrigins.split(","))
            {
                if (!origin.isBlank())
                {
                    origins.add(origin.trim());
                }
            }
            admissionSettings = new AdmissionSettings(jwtSecret, EdgeConfiguration.tokenCookie(),
                firstMessageAuthentication, authenticationTimeoutMs, java.util.Set.copyOf(origins), maxConnections,
                maxConnectionsPerAddress, maxConnectionsPerSubject, maxTopicsPerConnection,
                maxControlMessagesPerSecond);
            fanOut.conclude();
            final int ringCapacity = fanOut.ringCapacity();
            final int largestEvent = maxPayloadLength + 48;
            if (!BatchFrameBuilder.fitsEmptyFrame(largestEvent, bufferSize) || largestEvent > ringCapacity / 8)
            {
                throw new IllegalArgumentException("an event of " + StreamConfiguration.MAX_PAYLOAD_LENGTH_PROP_NAME +
                    "=" + maxPayloadLength + " must fit one frame (" + EdgeConfiguration.BUFFER_SIZE_PROP_NAME + "=" +
                    bufferSize + ") and an eighth of the ring (" + FanOutConfiguration.RING_CAPACITY_PROP_NAME + "=" +
                    ringCapacity + ")");
            }
            return this;
        }

        /**
         * Longest {@code wait=} of a long-poll.
         */
        public Context pollMaxWaitMs(final long pollMaxWaitMs)
        {
            this.pollMaxWaitMs = pollMaxWaitMs;
            return this;
        }

        /**
         * Window over which {@link EdgeServer#drain()} spreads its 1001 closes; 0 closes all at once.
         */
        public Context drainMs(final long drainMs)
        {
            this.drainMs = drainMs;
            return this;
        }

        /**
         * Upper bound of the random {@code retry-after-ms} hint each drain close carries.
         */
        public Context drainReconnectJitterMs(final long drainReconnectJitterMs)
        {
            fanOut.reconnectJitterMs(drainReconnectJitterMs);
            return this;
        }

        /**
         * Close a WebSocket or SSE connection once it is this old (spread over the last fifth of it, per
         * connection), with 1001 and a reconnect hint, so clients move between edges over time (rolling deploys,
         * rebalancing) without a thundering herd; 0 (default) never. Default
         * {@value FanOutConfiguration#MAX_CONNECTION_AGE_MS_PROP_NAME}.
         */
        public Context maxConnectionAgeMs(final long maxConnectionAgeMs)
        {
            fanOut.maxConnectionAgeMs(maxConnectionAgeMs);
            return this;
        }

        /**
         * HS256 key of client tokens (at least 32 bytes); null leaves authentication off.
         */
        public Context jwtSecret(final byte[] jwtSecret)
        {
            this.jwtSecret = jwtSecret;
            return this;
        }

        /**
         * The edge's own token for an engine whose Aeron ingress requires one ({@code pub_topics} covering what
         * its HTTP clients may publish, typically {@code *}: they are checked here against their own tokens).
         */
        public Context ingressToken(final String ingressToken)
        {
            fanOut.ingressToken(ingressToken);
            return this;
        }

        public Context firstMessageAuthentication(final boolean firstMessageAuthentication)
        {
            this.firstMessageAuthentication = firstMessageAuthentication;
            return this;
        }

        public Context authenticationTimeoutMs(final long authenticationTimeoutMs)
        {
            this.authenticationTimeoutMs = authenticationTimeoutMs;
            return this;
        }

        /**
         * @param allowedOrigins browser origins allowed, comma separated ({@code *}: any).
         */
        public Context allowedOrigins(final String allowedOrigins)
        {
            this.allowedOrigins = allowedOrigins;
            return this;
        }

        public Context maxConnections(final int maxConnections)
        {
            this.maxConnections = maxConnections;
            return this;
        }

        public Context maxConnectionsPerAddress(final int maxConnectionsPerAddress)
        {
            this.maxConnectionsPerAddress = maxConnectionsPerAddress;
            return this;
        }

        public Context maxConnectionsPerSubject(final int maxConnectionsPerSubject)
        {
            this.maxConnectionsPerSubject = maxConnectionsPerSubject;
            return this;
        }

        public Context maxTopicsPerConnection(final int maxTopicsPerConnection)
        {
            this.maxTopicsPerConnection = maxTopicsPerConnection;
            return this;
        }

        public Context maxControlMessagesPerSecond(final int maxControlMessagesPerSecond)
        {
            this.maxControlMessagesPerSecond = maxControlMessagesPerSecond;
            return this;
        }

        public Context handshakeTimeoutMs(final int handshakeTimeoutMs)
        {
            this.handshakeTimeoutMs = handshakeTimeoutMs;
            return this;
        }

        /**
         * @param tlsKeyStore a PKCS12 key store: the edge then serves https and wss (only) on its port.
         */
        public Context tlsKeyStore(final String tlsKeyStore, final String password)
        {
            this.tlsKeyStore = tlsKeyStore;
            this.tlsKeyStorePassword = password;
            return this;
        }

        /**
         * Transports served, e.g. {@code "sse,long-poll,short-poll"}; the others answer 403 with a reason.
         */
        public Context transports(final String transports)
        {
            this.transports = transports;
            return this;
        }

        /**
         * Which transports are compressed for clients that ask: any of {@code "poll,sse,websocket"}, {@code ""} for
         * none ({@value EdgeConfiguration#COMPRESSION_PROP_NAME}).
         */
        public Context compression(final String compression)
        {
            this.compression = compression;
            return this;
        }

        /**
         * Most SSE and WebSocket streams compressed at once ({@value
         * EdgeConfiguration#COMPRESSION_MAX_STREAMS_PROP_NAME}).
         */
        /**
         * Poll answers shorter than this are not compressed
         * ({@link EdgeConfiguration#COMPRESSION_MIN_BYTES_PROP_NAME}).
         */
        public Context compressionMinBytes(final int compressionMinBytes)
        {
            this.compressionMinBytes = compressionMinBytes;
            return this;
        }

        public Context compressionMaxStreams(final int compressionMaxStreams)
        {
            this.compressionMaxStreams = compressionMaxStreams;
            return this;
        }

        public Context host(final String host)
        {
            this.host = host;
            return this;
        }

        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        public Context aeronDirectoryName(final String aeronDirectoryName)
        {
            fanOut.aeronDirectoryName(aeronDirectoryName);
            return this;
        }

        /**
         * In front of a replicated sequencer: follow one member's event stream at a time and publish through the
         * cluster's ingress (README, "Edges on the cluster"). Default {@code push.cluster.hosts}; null for a single
         * engine.
         */
        public Context cluster(final ClusterLayout layout)
        {
            fanOut.clusterLayout(layout);
            return this;
        }

        /**
         * The member to follow first, an address of this host the members can send to, and how long the member
         * may be quiet before the edge moves to the next.
         */
        public Context clusterAttachment(final int firstMemberId, final String localHost, final long memberTimeoutMs)
        {
            fanOut.clusterMemberId(firstMemberId).clusterLocalHost(localHost).clusterMemberTimeoutMs(memberTimeoutMs);
            return this;
        }

        public Context eventsChannel(final String eventsChannel)
        {
            fanOut.eventsChannel(eventsChannel);
            return this;
        }

        public Context ingressChannel(final String ingressChannel)
        {
            fanOut.ingressChannel(ingressChannel);
            return this;
        }

        public Context eventsStreamId(final int eventsStreamId)
        {
            fanOut.eventsStreamId(eventsStreamId);
            return this;
        }

        public Context ingressStreamId(final int ingressStreamId)
        {
            fanOut.ingressStreamId(ingressStreamId);
            return this;
        }

        public Context ringCapacity(final int ringCapacity)
        {
            fanOut.ringCapacity(ringCapacity);
            return this;
        }

        public int ringCapacity()
        {
            return fanOut.ringCapacity();
        }

        /**
         * A connection's first ring; it moves to one of {@link #ringCapacity()} when this fills.
         */
        public Context initialRingCapacity(final int initialRingCapacity)
        {
            fanOut.initialRingCapacity(initialRingCapacity);
            return this;
        }

        public int initialRingCapacity()
        {
            return fanOut.initialRingCapacity();
        }

        public Context heartbeatIntervalMs(final long heartbeatIntervalMs)
        {
            fanOut.heartbeatIntervalMs(heartbeatIntervalMs);
            return this;
        }

        public Context batchWindowMs(final long batchWindowMs)
        {
            this.batchWindowMs = batchWindowMs;
            return this;
        }

        public Context maxBatchWindowMs(final long maxBatchWindowMs)
        {
            this.maxBatchWindowMs = maxBatchWindowMs;
            return this;
        }

        /**
         * @param backpressurePolicy for topics no rule matches: disconnect, conflate, drop or throttle:N.
         */
        public Context backpressurePolicy(final String backpressurePolicy)
        {
            fanOut.backpressurePolicy(backpressurePolicy);
            return this;
        }

        /**
         * @param backpressureRules e.g. {@code px.*=conflate,orders.*=drop,news.*=throttle:5}.
         */
        public Context backpressureRules(final String backpressureRules)
        {
            fanOut.backpressureRules(backpressureRules);
            return this;
        }

        /**
         * @param clientPolicies policies a client may ask for, comma separated.
         */
        public Context clientPolicies(final String clientPolicies)
        {
            this.clientPolicies = clientPolicies;
            return this;
        }

        public Context throttleRate(final int throttleRate)
        {
            this.throttleRate = throttleRate;
            return this;
        }

        public Context maxThrottleRate(final int maxThrottleRate)
        {
            this.maxThrottleRate = maxThrottleRate;
            return this;
        }

        public Context maxLagMs(final long maxLagMs)
        {
            fanOut.maxLagMs(maxLagMs);
            return this;
        }

        public Context idleTimeoutMs(final long idleTimeoutMs)
        {
            fanOut.idleTimeoutMs(idleTimeoutMs);
            return this;
        }

        public Context ringReleaseMs(final long ringReleaseMs)
        {
            fanOut.ringReleaseMs(ringReleaseMs);
            return this;
        }

        /**
         * @param recentWindowBytes bytes of recent events kept for resuming clients.
         */
        public Context recentWindowBytes(final int recentWindowBytes)
        {
            fanOut.recentWindowBytes(recentWindowBytes);
            return this;
        }

        /**
         * @param recentWindowEvents most recent events kept for resuming clients (power of two).
         */
        public Context recentWindowEvents(final int recentWindowEvents)
        {
            fanOut.recentWindowEvents(recentWindowEvents);
            return this;
        }

        public Context pingIntervalMs(final long pingIntervalMs)
        {
            this.pingIntervalMs = pingIntervalMs;
            return this;
        }

        public Context pongTimeoutMs(final long pongTimeoutMs)
        {
            this.pongTimeoutMs = pongTimeoutMs;
            return this;
        }

        public Context maxPayloadLength(final int maxPayloadLength)
        {
            this.maxPayloadLength = maxPayloadLength;
            return this;
        }

        public Context ioThreads(final int ioThreads)
        {
            this.ioThreads = ioThreads;
            return this;
        }

        public Context bufferSize(final int bufferSize)
        {
            this.bufferSize = bufferSize;
            return this;
        }

        public Context publishTimeoutMs(final long publishTimeoutMs)
        {
            this.publishTimeoutMs = publishTimeoutMs;
            return this;
        }

        /**
         * The edge reads, offers and answers itself the {@code POST /publish} requests that repeat an admitted one on
         * its connection, pipelined or not ({@value EdgeConfiguration#PUBLISH_READ_AHEAD_PROP_NAME}, default true).
         */
        public Context publishReadAhead(final boolean publishReadAhead)
        {
            this.publishReadAhead = publishReadAhead;
            return this;
        }

        public Context idleStrategySupplier(final Supplier<IdleStrategy> idleStrategySupplier)
        {
            fanOut.idleStrategySupplier(idleStrategySupplier);
            return this;
        }

        /**
         * How the fan-out runs: on its own thread ({@code DEDICATED} and {@code SHARED}: the edge has one agent),
         * or driven by the embedder through {@link EdgeServer#agentInvoker()} ({@code INVOKER}). Default
         * {@link AgentThreadingMode#PROP_NAME}.
         */
        public Context threadingMode(final AgentThreadingMode threadingMode)
        {
            fanOut.threadingMode(threadingMode);
            return this;
        }

        public Context errorHandler(final ErrorHandler errorHandler)
        {
            fanOut.errorHandler(errorHandler);
            return this;
        }
    }

    private final Context ctx;
    private final Aeron aeron;
    private final ClusterIngress clusterIngress;
    private final EdgeCounters counters;
    private final FanOut fanOut;
    private final EdgeHttpListener httpListener;
    private final int port;
    private volatile boolean draining;

    private EdgeServer(final Context ctx)
    {
        this.ctx = ctx;
        Aeron aeronClient = null;
        EdgeCounters edgeCounters = null;
        FanOut fanOutComponent = null;
        EdgeHttpListener server = null;
        ClusterIngress clusterSession = null;
        try
        {
            aeronClient = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(ctx.fanOut.aeronDirectoryName())
                .errorHandler(ctx.fanOut.errorHandler())
                .clientName("push-edge"));
            final String label = "edge:" + ctx.host + ":" + ctx.port + ":" + ProcessHandle.current().pid();
            edgeCounters = new EdgeCounters(aeronClient, label);
            // exclusive: this edge's own Aeron session, so its ingress token is its own (concurrent publications
            // on one driver share a session); the threads that offer to it are serialised by IngressProxy
            // in front of a replicated sequencer, publishes go through a session with the cluster's ingress
            final ClusterLayout cluster = ctx.fanOut.clusterLayout();
            final Publication ingressPublication = null != cluster ? null : aeronClient.addExclusivePublication(
                ctx.fanOut.ingressChannel(), ctx.fanOut.ingressStreamId());
            clusterSession = null == cluster ? null : new ClusterIngress(aeronClient, cluster.ingressEndpoints(),
                "aeron:udp?endpoint=" + ctx.fanOut.clusterLocalHost() + ":0", ctx.fanOut.ingressToken());

            // System.nanoTime() plus an offset to the epoch, resampled hourly: SystemEpochNanoClock builds an Instant
            // per call, which was 5 % of the IO threads' samples at 1M deliveries/s (a frame's sent time)
            final EpochNanoClock epochClock = new OffsetEpochNanoClock();
            final EdgeIoThreads ioThreads = new EdgeIoThreads(edgeCounters.errors()); // opened with the listener
            final PublishHandler publishHandler = new PublishHandler(
                ingressProxy(ingressPublication, clusterSession), ioThreads, edgeCounters, epochClock,
                ctx.maxPayloadLength, EdgeConfiguration.publishBatchMaxBytes(), ctx.publishTimeoutMs,
                ctx.publishReadAhead);
            fanOutComponent = FanOut.launch(ctx.fanOut
                .aeron(aeronClient)
                .ingressPublication(ingressPublication)
                .clusterIngress(clusterSession)
                .publishAckListener(publishHandler)
                .counters(edgeCounters.fanOut(), edgeCounters.errors(), edgeCounters.ioThreadWakeUps())
                .writeCounters(edgeCounters.framesOut(), edgeCounters.bytesOut())
                .counterLabel(label) // for the latency histograms it allocates, beside the edge's own counters
                .epochClock(epochClock));
            for (final String transport : List.of(WebSocketSession.TRANSPORT, SseSession.TRANSPORT, PollSession.TRANSPORT))
            {
                fanOutComponent.latencies().preallocate(transport, ctx.ioThreads);
            }
            final FanOutAgent agent = fanOutComponent.agent();
            final AtomicLong sessionIds = new AtomicLong();
            final IoThreadFlushers flushers = fanOutComponent.flushers();
            final EdgeCounters c = edgeCounters;
            final HttpHandler notFound = exchange -> HttpResponses.reject(
                exchange, 404, "no such endpoint: " + exchange.getRequestPath(), c);
            final Admission admission = new Admission(ctx.admissionSettings, c,
                () -> c.connections().get() + c.pollsHeld().get(), new SystemEpochClock());
            final HttpString[] read = { Methods.GET, Methods.HEAD };
            final PathHandler routes = new PathHandler(AllowedMethods.only(c, new ResourceHandler(
                new ClassPathResourceManager(EdgeServer.class.getClassLoader(), "web"), notFound), read))
                .addExactPath("/ws", open(served(EdgeTransport.WEBSOCKET, admission.guard(Admission.Kind.STREAM,
                    AllowedMethods.only(c, new WebSocketEndpoint(agent.commandQueue(), edgeCounters, epochClock,
                    sessionIds, ctx.fanOut.initialRingCapacity(), ctx.fanOut.ringCapacity(), ctx.streamParameters,
                    ctx.pingIntervalMs, ctx.pongTimeoutMs, admission, flushers, ioThreads,
                    ingressProxy(ingressPublication, clusterSession),
                    agent.publishRoutes(), ctx.maxPayloadLength, ctx.publishTimeoutMs, ctx.streamCompression),
                    Methods.GET)), c), c))
                .addExactPath("/sse", open(served(EdgeTransport.SSE, admission.guard(Admission.Kind.STREAM,
                    AllowedMethods.only(c, new SseEndpoint(agent.commandQueue(), edgeCounters, sessionIds,
                    ctx.fanOut.initialRingCapacity(), ctx.fanOut.ringCapacity(), ctx.streamParameters, flushers,
                    ioThreads, ctx.streamCompression),
                    Methods.GET)), c), c))
                .addExactPath("/poll", open(admission.guard(Admission.Kind.POLL, AllowedMethods.only(c,
                    gzip(ctx.gzipPolls, ctx.compressionMinBytes, new PollEndpoint(agent.commandQueue(), edgeCounters,
                    sessionIds, ctx.fanOut.initialRingCapacity(), ctx.fanOut.ringCapacity(), ctx.pollMaxWaitMs,
                    ctx.servedTransports, flushers, ioThreads, ctx.streamParameters)), Methods.GET)), c))
                .addPrefixPath("/publish", admission.guard(Admission.Kind.PUBLISH,
                    AllowedMethods.only(c, publishHandler, Methods.POST)))
                .addExactPath("/topics", admission.guard(Admission.Kind.READ,
                    AllowedMethods.only(c, new TopicsHandler(agent::declaredTopics), read)))
                .addExactPath("/health", AllowedMethods.only(c, new HealthHandler(
                    agent::isEventStreamConnected, agent::isCatalogComplete, c.connections()::get), read))
                .addExactPath("/ready", AllowedMethods.only(c, new ReadyHandler(agent::isCaughtUp,
                    c.fanOut().streamPosition()::get, c.fanOut().enginePosition()::get, this::isDraining), read))
                .addExactPath("/metrics", AllowedMethods.only(c, new MetricsHandler(aeronClient.countersReader()),
                    read))
                .addPrefixPath("/ops", admission.guard(Admission.Kind.OPERATE,
                    AllowedMethods.only(c, new OpsHandler(aeronClient.countersReader()), read)));
            if (null != ctx.admissionSettings.jwtSecret() && ctx.admissionSettings.allowedOrigins().contains("*"))
            {
                LOG.warn("{}=* with authentication on: a page on any site can open a WebSocket that carries a " +
                    "user's token cookie; list your origins", EdgeConfiguration.ALLOWED_ORIGINS_PROP_NAME);
            }
            if (null == ctx.admissionSettings.jwtSecret())
            {
                LOG.warn("AUTHENTICATION IS OFF: anyone who can reach this edge may read every topic and publish. " +
                    "Set {} (or {}) for production.", EdgeConfiguration.AUTH_JWT_SECRET_PROP_NAME,
                    EdgeConfiguration.AUTH_JWT_SECRET_FILE_PROP_NAME);
            }

            final int undertowBackstopMs = (int)Math.min(Integer.MAX_VALUE, 2L * ctx.handshakeTimeoutMs);
            final SlowRequestGuard slowRequests = new SlowRequestGuard(ctx.handshakeTimeoutMs,
                c.requestTimeouts(), c.silentCloses(), EdgeConfiguration.HANDSHAKE_TIMEOUT_MS_PROP_NAME);
            server = EdgeHttpListener.start(new EdgeHttpListener.Settings(
                ctx.host,
                ctx.port,
                null != ctx.tlsKeyStore ? TlsContexts.fromKeyStore(ctx.tlsKeyStore, ctx.tlsKeyStorePassword) : null,
                ctx.ioThreads,
                2,
                ctx.bufferSize,
                OptionMap.builder()
                    .set(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                    .set(UndertowOptions.MAX_ENTITY_SIZE, 1024L * 1024L)
                    // a backstop only: SlowRequestGuard cuts these connections off first, and counts them
                    .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, undertowBackstopMs)
                    .set(UndertowOptions.NO_REQUEST_TIMEOUT, undertowBackstopMs)
                    .getMap(),
                OptionMap.EMPTY),
                ioThreads,
                slowRequests.handler(routes),
                slowRequests::openListener);

            this.aeron = aeronClient;
            this.clusterIngress = clusterSession;
            this.counters = edgeCounters;
            this.fanOut = fanOutComponent;
            this.httpListener = server;
            this.port = server.port();
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(server);
            CloseHelper.quietCloseAll(fanOutComponent, clusterSession, edgeCounters, aeronClient);
            throw ex;
        }
        LOG.info("edge listening on {}://{}:{}/ (aeron dir {}, events {})", null != ctx.tlsKeyStore ? "https" : "http",
            ctx.host, port, ctx.fanOut.aeronDirectoryName(), ctx.fanOut.eventsChannel());
    }

    /**
     * The endpoint if this edge serves its transport, else a 403 saying so (before any upgrade), so a client
     * falls back to the next transport at once.
     */
    /**
     * {@code endpoint}'s answers gzip-compressed (Undertow's encoding handler) for clients that accept gzip, if
     * {@code on}. Whole answers only: Undertow's compressing conduit does not push a stream's data out on flush
     * (tried on SSE: events were held in the compressor), so SSE is not compressed.
     */
    /**
     * gzip for answers of at least {@code minBytes} (their {@code Content-Length}: a poll answer is sent in one
     * piece, so it has one) to clients that accept it.
     */
    private static HttpHandler gzip(final boolean on, final int minBytes, final HttpHandler endpoint)
    {
        return on ? new EncodingHandler(endpoint, new ContentEncodingRepository()
            .addEncodingHandler("gzip", new GzipEncodingProvider(), 50, Predicates.maxContentSize(minBytes - 1L))) :
            endpoint;
    }

    private HttpHandler served(final EdgeTransport transport, final HttpHandler endpoint, final EdgeCounters counters)
    {
        if (ctx.servedTransports.contains(transport))
        {
            return endpoint;
        }
        return exchange -> HttpResponses.reject(exchange, 403, transport.label() + " is not served by this edge (" +
            EdgeConfiguration.TRANSPORTS_PROP_NAME + "=" + ctx.transports + ")", counters);
    }

    /**
     * The endpoint, or while draining a 503 with {@code Retry-After} and a reason, so a new client goes to a peer.
     */
    private HttpHandler open(final HttpHandler endpoint, final EdgeCounters counters)
    {
        return exchange ->
        {
            if (draining)
            {
                counters.fanOut().drainCloses().increment();
                final long hintMs = ThreadLocalRandom.current().nextLong(ctx.fanOut.reconnectJitterMs() + 1);
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Math.max(1, (hintMs + 999) / 1000));
                HttpResponses.reject(exchange, 503,
                    "edge draining: connect to another edge; retry-after-ms=" + hintMs, counters);
                return;
            }
            endpoint.handleRequest(exchange);
        };
    }

    public static EdgeServer launch(final Context ctx)
    {
        return new EdgeServer(ctx.conclude());
    }

    /**
     * The bound port (useful with port 0).
     */
    public int port()
    {
        return port;
    }

    public String host()
    {
        return ctx.host;
    }

    /**
     * @return "https" with a TLS key store, else "http".
     */
    public String scheme()
    {
        return null != ctx.tlsKeyStore ? "https" : "http";
    }

    /**
     * @return true once attached to the event stream with a complete topic catalog (what {@code /health} reports).
     */
    public boolean isReady()
    {
        return fanOut.isReady();
    }

    public EdgeCounters counters()
    {
        return counters;
    }

    /**
     * Take this edge out of service gracefully, for a rolling restart: {@code /ready} answers 503 at once, new
     * connections and polls are refused with 503 and a reconnect hint, and the open ones are closed with 1001
     * ("going away", with a {@code retry-after-ms} hint) spread over {@link Context#drainMs(long)}, so clients move
     * to a peer edge a few at a time and resume there from their last sequence. Returns when every connection is
     * closed, or the window and a grace second have passed. Call {@link #close()} after.
     *
     * @return connections and held polls still open (0 when the drain completed).
     */
    public long drain()
    {
        if (draining)
        {
            return counters.connections().get() + counters.pollsHeld().get();
        }
        draining = true;
        LOG.info("edge draining: {} connections over {} ms", counters.connections().get(), ctx.drainMs);
        fanOut.agent().drain(TimeUnit.MILLISECONDS.toNanos(ctx.drainMs), ctx.fanOut.reconnectJitterMs());
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.drainMs + 1000);
        while ((counters.connections().get() > 0 || counters.pollsHeld().get() > 0) &&
            System.nanoTime() - deadlineNs < 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        final long left = counters.connections().get() + counters.pollsHeld().get();
        LOG.info("edge drained: {} connections left", left);
        return left;
    }

    public boolean isDraining()
    {
        return draining;
    }

    /**
     * The fan-out, to drive when the edge runs in {@link AgentThreadingMode#INVOKER} mode (else null): call
     * {@link AgentInvoker#start()} on the thread that will {@link AgentInvoker#invoke()} it (the fan-out registers
     * that thread to be woken by its producers), then invoke it in the embedder's duty cycle, with an idle strategy
     * between invocations that did no work. {@link #close()} closes it.
     */
    public AgentInvoker agentInvoker()
    {
        return fanOut.agentInvoker();
    }

    /**
     * For an embedder driving {@link #agentInvoker()}: true while the fan-out has work that falls due by time
     * rather than by a wake-up (park short then). Invoking thread.
     */
    public boolean hasWorkDueSoon()
    {
        return fanOut.agent().hasWorkDueSoon();
    }

    /**
     * Stop the fan-out (so nothing more is handed to the IO threads), then stop accepting and close every
     * connection (waiting for the IO threads: their close tasks update counters in Aeron's mapped file), then
     * detach from Aeron.
     */
    private static IngressProxy ingressProxy(final Publication ingressPublication, final ClusterIngress cluster)
    {
        return null != cluster ? new IngressProxy(cluster) : new IngressProxy(ingressPublication);
    }

    public void close()
    {
        CloseHelper.quietClose(fanOut);
        CloseHelper.quietClose(clusterIngress);
        httpListener.close();
        if (!counters.awaitConnectionsClosed(CLOSE_TASKS_TIMEOUT_MS))
        {
            // a close task still to run would write into the unmapped file: leave it mapped, the process is ending
            LOG.warn("connections still closing after {} ms: the edge's counters are left open", CLOSE_TASKS_TIMEOUT_MS);
            return;
        }
        CloseHelper.closeAll(counters, aeron);
    }
}
