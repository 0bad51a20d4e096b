package io.pushengine.edge;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.codec.stream.IngressAuthentication;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.codec.stream.ReplayRequestProxy;
import io.pushengine.edge.admission.Admission;
import io.pushengine.edge.admission.AdmissionSettings;
import io.pushengine.edge.admission.SlowRequestGuard;
import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.fanout.FanOutAgent;
import io.pushengine.edge.http.EdgeHttpListener;
import io.pushengine.edge.http.HealthHandler;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.MetricsHandler;
import io.pushengine.edge.http.PublishHandler;
import io.pushengine.edge.http.ReadyHandler;
import io.pushengine.edge.http.StreamParameters;
import io.pushengine.edge.http.TopicsHandler;
import io.pushengine.edge.poll.PollEndpoint;
import io.pushengine.edge.session.IoThreadFlushers;
import io.pushengine.edge.sse.SseEndpoint;
import io.pushengine.edge.websocket.WebSocketEndpoint;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import io.pushengine.codec.IdleStrategies;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;

import java.util.EnumSet;
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
    private static final int IO_THREAD_FLUSH_QUEUE_CAPACITY = 64 * 1024;

    /**
     * Configuration of an edge. Defaults from {@link EdgeConfiguration}; single use.
     */
    public static final class Context
    {
        private String host;
        private Integer port;
        private String aeronDirectoryName;
        private String eventsChannel;
        private String ingressChannel;
        private int eventsStreamId = ProtocolDefaults.EVENTS_STREAM_ID;
        private int ingressStreamId = ProtocolDefaults.INGRESS_STREAM_ID;
        private int ringCapacity;
        private int initialRingCapacity;
        private long heartbeatIntervalMs;
        private Long batchWindowMs;
        private long maxBatchWindowMs;
        private String backpressurePolicy;
        private String backpressureRules;
        private String clientPolicies;
        private int throttleRate;
        private int maxThrottleRate;
        private long maxLagMs;
        private Long idleTimeoutMs;
        private long ringReleaseMs;
        private int recentWindowBytes;
        private int recentWindowEvents;
        private BackpressureRules rules;
        private StreamParameters streamParameters;
        private long pingIntervalMs;
        private long pongTimeoutMs;
        private int maxPayloadLength;
        private int ioThreads;
        private int bufferSize;
        private long publishTimeoutMs;
        private long pollMaxWaitMs;
        private long drainMs = -1;
        private long drainReconnectJitterMs = -1;
        private long maxConnectionAgeMs = -1;
        private String transports;
        private EnumSet<EdgeTransport> servedTransports;
        private byte[] jwtSecret;
        private String ingressToken;
        private Boolean firstMessageAuthentication;
        private long authenticationTimeoutMs;
        private String allowedOrigins;
        private int maxConnections;
        private int maxConnectionsPerAddress;
        private int maxConnectionsPerSubject;
        private int maxTopicsPerConnection;
        private int maxControlMessagesPerSecond;
        private int handshakeTimeoutMs;
        private String tlsKeyStore;
        private String tlsKeyStorePassword;
        private AdmissionSettings admissionSettings;
        private Supplier<IdleStrategy> idleStrategySupplier;
        private AgentThreadingMode threadingMode;
        private ErrorHandler errorHandler;
        private boolean concluded;

        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded: a context is single use");
            }
            concluded = true;
            host = null != host ? host : EdgeConfiguration.host();
            port = null != port ? port : EdgeConfiguration.port();
            aeronDirectoryName = null != aeronDirectoryName ? aeronDirectoryName : StreamConfiguration.aeronDir();
            if (null == aeronDirectoryName)
            {
                aeronDirectoryName = io.aeron.CommonContext.getAeronDirectoryName();
            }
            eventsChannel = null != eventsChannel ? eventsChannel : StreamConfiguration.eventsChannel();
            ingressChannel = null != ingressChannel ? ingressChannel : StreamConfiguration.ingressChannel();
            ringCapacity = 0 != ringCapacity ? ringCapacity : EdgeConfiguration.ringCapacity();
            initialRingCapacity = 0 != initialRingCapacity ?
                initialRingCapacity : EdgeConfiguration.ringInitialCapacity();
            heartbeatIntervalMs = 0 != heartbeatIntervalMs ?
                heartbeatIntervalMs : EdgeConfiguration.heartbeatIntervalMs();
            batchWindowMs = null != batchWindowMs ? batchWindowMs : EdgeConfiguration.batchWindowMs();
            maxBatchWindowMs = 0 != maxBatchWindowMs ? maxBatchWindowMs : EdgeConfiguration.maxBatchWindowMs();
            if (batchWindowMs < 0 || batchWindowMs > maxBatchWindowMs)
            {
                throw new IllegalArgumentException(EdgeConfiguration.BATCH_WINDOW_MS_PROP_NAME + " must be in 0.." +
                    maxBatchWindowMs + ": " + batchWindowMs);
            }
            backpressurePolicy = null != backpressurePolicy ? backpressurePolicy : EdgeConfiguration.backpressurePolicy();
            backpressureRules = null != backpressureRules ? backpressureRules : EdgeConfiguration.backpressureRules();
            rules = BackpressureRules.parse(backpressureRules,
                BackpressureRules.parsePolicy(backpressurePolicy, EdgeConfiguration.BACKPRESSURE_POLICY_PROP_NAME));
            clientPolicies = null != clientPolicies ? clientPolicies : EdgeConfiguration.clientPolicies();
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
            throttleRate = 0 != throttleRate ? throttleRate : EdgeConfiguration.throttleRate();
            maxThrottleRate = 0 != maxThrottleRate ? maxThrottleRate : EdgeConfiguration.maxThrottleRate();
            if (throttleRate < 1 || throttleRate > maxThrottleRate)
            {
                throw new IllegalArgumentException(EdgeConfiguration.THROTTLE_RATE_PROP_NAME + " must be in 1.." +
                    maxThrottleRate + ": " + throttleRate);
            }
            streamParameters = new StreamParameters(
                batchWindowMs, maxBatchWindowMs, allowed, throttleRate, maxThrottleRate);
            maxLagMs = 0 != maxLagMs ? maxLagMs : EdgeConfiguration.maxLagMs();
            idleTimeoutMs = null != idleTimeoutMs ? idleTimeoutMs : EdgeConfiguration.idleTimeoutMs();
            ringReleaseMs = 0 != ringReleaseMs ? ringReleaseMs : EdgeConfiguration.ringReleaseMs();
            recentWindowBytes = 0 != recentWindowBytes ? recentWindowBytes : EdgeConfiguration.recentWindowBytes();
            recentWindowEvents = 0 != recentWindowEvents ?
                recentWindowEvents : EdgeConfiguration.recentWindowEvents();
            pingIntervalMs = 0 != pingIntervalMs ? pingIntervalMs : EdgeConfiguration.pingIntervalMs();
            pongTimeoutMs = 0 != pongTimeoutMs ? pongTimeoutMs : EdgeConfiguration.pongTimeoutMs();
            maxPayloadLength = 0 != maxPayloadLength ? maxPayloadLength : StreamConfiguration.maxPayloadLength();
            ioThreads = 0 != ioThreads ? ioThreads : EdgeConfiguration.ioThreads();
            bufferSize = 0 != bufferSize ? bufferSize : EdgeConfiguration.bufferSize();
            publishTimeoutMs = 0 != publishTimeoutMs ? publishTimeoutMs : StreamConfiguration.publishTimeoutMs();
            pollMaxWaitMs = 0 != pollMaxWaitMs ? pollMaxWaitMs : EdgeConfiguration.pollMaxWaitMs();
            drainMs = drainMs >= 0 ? drainMs : EdgeConfiguration.drainMs();
            drainReconnectJitterMs = drainReconnectJitterMs >= 0 ?
                drainReconnectJitterMs : EdgeConfiguration.drainReconnectJitterMs();
            maxConnectionAgeMs = maxConnectionAgeMs >= 0 ? maxConnectionAgeMs : EdgeConfiguration.maxConnectionAgeMs();
            transports = null != transports ? transports : EdgeConfiguration.transports();
            servedTransports = EdgeTransport.parseList(transports);
            jwtSecret = null != jwtSecret ? jwtSecret : EdgeConfiguration.jwtSecret();
            ingressToken = null != ingressToken ? ingressToken : EdgeConfiguration.ingressToken();
            if (null != jwtSecret && jwtSecret.length < 32)
            {
                throw new IllegalArgumentException(EdgeConfiguration.AUTH_JWT_SECRET_PROP_NAME +
                    " must be at least 32 bytes (HS256): it is " + jwtSecret.length);
            }
            firstMessageAuthentication = null != firstMessageAuthentication ?
                firstMessageAuthentication : EdgeConfiguration.firstMessageAuthentication();
            authenticationTimeoutMs = 0 != authenticationTimeoutMs ?
                authenticationTimeoutMs : EdgeConfiguration.authenticationTimeoutMs();
            allowedOrigins = null != allowedOrigins ? allowedOrigins : EdgeConfiguration.allowedOrigins();
            maxConnections = 0 != maxConnections ? maxConnections : EdgeConfiguration.maxConnections();
            maxConnectionsPerAddress = 0 != maxConnectionsPerAddress ?
                maxConnectionsPerAddress : EdgeConfiguration.maxConnectionsPerAddress();
            maxConnectionsPerSubject = 0 != maxConnectionsPerSubject ?
                maxConnectionsPerSubject : EdgeConfiguration.maxConnectionsPerSubject();
            maxTopicsPerConnection = 0 != maxTopicsPerConnection ?
                maxTopicsPerConnection : EdgeConfiguration.maxTopicsPerConnection();
            maxControlMessagesPerSecond = 0 != maxControlMessagesPerSecond ?
                maxControlMessagesPerSecond : EdgeConfiguration.maxControlMessagesPerSecond();
            handshakeTimeoutMs = 0 != handshakeTimeoutMs ? handshakeTimeoutMs : EdgeConfiguration.handshakeTimeoutMs();
            tlsKeyStore = null != tlsKeyStore ? tlsKeyStore : EdgeConfiguration.tlsKeyStore();
            tlsKeyStorePassword = null != tlsKeyStorePassword ?
                tlsKeyStorePassword : EdgeConfiguration.tlsKeyStorePassword();
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
            if (null == idleStrategySupplier)
            {
                idleStrategySupplier = IdleStrategies.fromSystemProperties();
            }
            if (null == threadingMode)
            {
                threadingMode = AgentThreadingMode.fromSystemProperties();
            }
            if (null == errorHandler)
            {
                errorHandler = Throwable::printStackTrace;
            }
            if (Integer.bitCount(ringCapacity) != 1)
            {
                throw new IllegalArgumentException(
                    EdgeConfiguration.RING_CAPACITY_PROP_NAME + " must be a power of two: " + ringCapacity);
            }
            if (Integer.bitCount(initialRingCapacity) != 1 || initialRingCapacity < 1024)
            {
                throw new IllegalArgumentException(EdgeConfiguration.RING_INITIAL_CAPACITY_PROP_NAME +
                    " must be a power of two of at least 1024: " + initialRingCapacity);
            }
            initialRingCapacity = Math.min(initialRingCapacity, ringCapacity);
            final int largestEvent = maxPayloadLength + 48;
            if (!BatchFrameBuilder.fitsEmptyFrame(largestEvent, bufferSize) || largestEvent > ringCapacity / 8)
            {
                throw new IllegalArgumentException("an event of " + StreamConfiguration.MAX_PAYLOAD_LENGTH_PROP_NAME +
                    "=" + maxPayloadLength + " must fit one frame (" + EdgeConfiguration.BUFFER_SIZE_PROP_NAME + "=" +
                    bufferSize + ") and an eighth of the ring (" + EdgeConfiguration.RING_CAPACITY_PROP_NAME + "=" +
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
            this.drainReconnectJitterMs = drainReconnectJitterMs;
            return this;
        }

        /**
         * Close a WebSocket or SSE connection once it is this old (spread over the last fifth of it, per
         * connection), with 1001 and a reconnect hint, so clients move between edges over time (rolling deploys,
         * rebalancing) without a thundering herd; 0 (default) never. Default
         * {@value EdgeConfiguration#MAX_CONNECTION_AGE_MS_PROP_NAME}.
         */
        public Context maxConnectionAgeMs(final long maxConnectionAgeMs)
        {
            this.maxConnectionAgeMs = maxConnectionAgeMs;
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
            this.ingressToken = ingressToken;
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
            this.aeronDirectoryName = aeronDirectoryName;
            return this;
        }

        public Context eventsChannel(final String eventsChannel)
        {
            this.eventsChannel = eventsChannel;
            return this;
        }

        public Context ingressChannel(final String ingressChannel)
        {
            this.ingressChannel = ingressChannel;
            return this;
        }

        public Context eventsStreamId(final int eventsStreamId)
        {
            this.eventsStreamId = eventsStreamId;
            return this;
        }

        public Context ingressStreamId(final int ingressStreamId)
        {
            this.ingressStreamId = ingressStreamId;
            return this;
        }

        public Context ringCapacity(final int ringCapacity)
        {
            this.ringCapacity = ringCapacity;
            return this;
        }

        public int ringCapacity()
        {
            return ringCapacity;
        }

        /**
         * A connection's first ring; it moves to one of {@link #ringCapacity()} when this fills.
         */
        public Context initialRingCapacity(final int initialRingCapacity)
        {
            this.initialRingCapacity = initialRingCapacity;
            return this;
        }

        public int initialRingCapacity()
        {
            return initialRingCapacity;
        }

        public Context heartbeatIntervalMs(final long heartbeatIntervalMs)
        {
            this.heartbeatIntervalMs = heartbeatIntervalMs;
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
            this.backpressurePolicy = backpressurePolicy;
            return this;
        }

        /**
         * @param backpressureRules e.g. {@code px.*=conflate,orders.*=drop,news.*=throttle:5}.
         */
        public Context backpressureRules(final String backpressureRules)
        {
            this.backpressureRules = backpressureRules;
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
            this.maxLagMs = maxLagMs;
            return this;
        }

        public Context idleTimeoutMs(final long idleTimeoutMs)
        {
            this.idleTimeoutMs = idleTimeoutMs;
            return this;
        }

        public Context ringReleaseMs(final long ringReleaseMs)
        {
            this.ringReleaseMs = ringReleaseMs;
            return this;
        }

        /**
         * @param recentWindowBytes bytes of recent events kept for resuming clients.
         */
        public Context recentWindowBytes(final int recentWindowBytes)
        {
            this.recentWindowBytes = recentWindowBytes;
            return this;
        }

        /**
         * @param recentWindowEvents most recent events kept for resuming clients (power of two).
         */
        public Context recentWindowEvents(final int recentWindowEvents)
        {
            this.recentWindowEvents = recentWindowEvents;
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

        public Context idleStrategySupplier(final Supplier<IdleStrategy> idleStrategySupplier)
        {
            this.idleStrategySupplier = idleStrategySupplier;
            return this;
        }

        /**
         * How the fan-out runs: on its own thread ({@code DEDICATED} and {@code SHARED}: the edge has one agent),
         * or driven by the embedder through {@link EdgeServer#agentInvoker()} ({@code INVOKER}). Default
         * {@link AgentThreadingMode#PROP_NAME}.
         */
        public Context threadingMode(final AgentThreadingMode threadingMode)
        {
            this.threadingMode = threadingMode;
            return this;
        }

        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }
    }

    private final Context ctx;
    private final Aeron aeron;
    private final EdgeCounters counters;
    private final FanOutAgent fanOut;
    private final AgentRunner fanOutRunner;
    private final AgentInvoker fanOutInvoker;
    private final EdgeHttpListener httpListener;
    private final int port;
    private volatile boolean draining;

    private EdgeServer(final Context ctx)
    {
        this.ctx = ctx;
        Aeron aeronClient = null;
        EdgeCounters edgeCounters = null;
        AgentRunner runner = null;
        AgentInvoker invoker = null;
        EdgeHttpListener server = null;
        try
        {
            aeronClient = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName)
                .errorHandler(ctx.errorHandler)
                .clientName("push-edge"));
            final String label = "edge:" + ctx.host + ":" + ctx.port + ":" + ProcessHandle.current().pid();
            edgeCounters = new EdgeCounters(aeronClient, label);
            final Subscription eventSubscription = aeronClient.addSubscription(
                ctx.eventsChannel, ctx.eventsStreamId);
            // exclusive: this edge's own Aeron session, so its ingress token is its own (concurrent publications
            // on one driver share a session); the threads that offer to it are serialised by IngressProxy
            final Publication ingressPublication = aeronClient.addExclusivePublication(
                ctx.ingressChannel, ctx.ingressStreamId);

            // System.nanoTime() plus an offset to the epoch, resampled hourly: SystemEpochNanoClock builds an Instant
            // per call, which was 5 % of the IO threads' samples at 1M deliveries/s (a frame's sent time)
            final EpochNanoClock epochClock = new OffsetEpochNanoClock();
            final PublishHandler publishHandler = new PublishHandler(
                new IngressProxy(ingressPublication), edgeCounters, epochClock, ctx.maxPayloadLength,
                EdgeConfiguration.publishBatchMaxBytes(), ctx.publishTimeoutMs);
            final FanOutAgent agent = new FanOutAgent(
                eventSubscription,
                new IngressProxy(ingressPublication),
                publishHandler,
                edgeCounters.fanOut(),
                ctx.rules,
                new SystemNanoClock(),
                epochClock,
                new FanOutAgent.Timeouts(
                    TimeUnit.MILLISECONDS.toNanos(ctx.heartbeatIntervalMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.idleTimeoutMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.maxLagMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.ringReleaseMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.maxConnectionAgeMs),
                    ctx.drainReconnectJitterMs),
                64 * 1024,
                aeronClient.addSubscription(ctx.eventsChannel, ProtocolDefaults.REPLAY_STREAM_ID),
                new ReplayRequestProxy(aeronClient.addPublication(
                    ctx.ingressChannel, ProtocolDefaults.REPLAY_REQUEST_STREAM_ID)),
                ctx.recentWindowBytes,
                ctx.recentWindowEvents);
            final Agent duties = null == ctx.ingressToken ? agent : new CompositeAgent(agent, new IngressAuthentication(
                new IngressProxy(ingressPublication), ctx.ingressToken, new SystemNanoClock()));
            if (AgentThreadingMode.INVOKER == ctx.threadingMode)
            {
                invoker = new AgentInvoker(ctx.errorHandler, edgeCounters.errors(), duties);
            }
            else
            {
                runner = new AgentRunner(IdleStrategies.dueWorkAware(ctx.idleStrategySupplier.get(),
                    agent::hasWorkDueSoon), ctx.errorHandler, edgeCounters.errors(), duties);
                AgentRunner.startOnThread(runner);
            }

            final AtomicLong sessionIds = new AtomicLong();
            final IoThreadFlushers flushers = new IoThreadFlushers(IO_THREAD_FLUSH_QUEUE_CAPACITY,
                ctx.ringCapacity, edgeCounters.ioThreadWakeUps());
            final EdgeCounters c = edgeCounters;
            final HttpHandler notFound = exchange -> HttpResponses.reject(
                exchange, 404, "no such endpoint: " + exchange.getRequestPath(), c);
            final Admission admission = new Admission(ctx.admissionSettings, c,
                () -> c.connections().get() + c.pollsHeld().get(), new SystemEpochClock());
            final PathHandler routes = new PathHandler(new ResourceHandler(
                new ClassPathResourceManager(EdgeServer.class.getClassLoader(), "web"), notFound))
                .addExactPath("/ws", open(served(EdgeTransport.WEBSOCKET, admission.guard(Admission.Kind.STREAM,
                    new WebSocketEndpoint(agent.commandQueue(), edgeCounters, epochClock, sessionIds,
                    ctx.initialRingCapacity, ctx.ringCapacity, ctx.streamParameters, ctx.pingIntervalMs,
                    ctx.pongTimeoutMs, admission, flushers, new IngressProxy(ingressPublication),
                    agent.publishRoutes(), ctx.maxPayloadLength, ctx.publishTimeoutMs)), c), c))
                .addExactPath("/sse", open(served(EdgeTransport.SSE, admission.guard(Admission.Kind.STREAM,
                    new SseEndpoint(agent.commandQueue(), edgeCounters, sessionIds, ctx.initialRingCapacity,
                    ctx.ringCapacity,
                    ctx.streamParameters, flushers)), c), c))
                .addExactPath("/poll", open(admission.guard(Admission.Kind.POLL, new PollEndpoint(
                    agent.commandQueue(), edgeCounters, sessionIds, ctx.ringCapacity, ctx.pollMaxWaitMs,
                    ctx.servedTransports, flushers)), c))
                .addPrefixPath("/publish", admission.guard(Admission.Kind.PUBLISH, publishHandler))
                .addExactPath("/topics", admission.guard(Admission.Kind.READ,
                    new TopicsHandler(agent::declaredTopics)))
                .addExactPath("/health", new HealthHandler(
                    agent::isEventStreamConnected, agent::isCatalogComplete, c.connections()::get))
                .addExactPath("/ready", new ReadyHandler(agent::isCaughtUp,
                    c.fanOut().streamPosition()::get, c.fanOut().enginePosition()::get, this::isDraining))
                .addExactPath("/metrics", new MetricsHandler(aeronClient.countersReader()));
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
                slowRequests.handler(routes),
                slowRequests::openListener);

            this.aeron = aeronClient;
            this.counters = edgeCounters;
            this.fanOut = agent;
            this.fanOutRunner = runner;
            this.fanOutInvoker = invoker;
            this.httpListener = server;
            this.port = server.port();
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(server);
            CloseHelper.quietCloseAll(runner, invoker, edgeCounters, aeronClient);
            throw ex;
        }
        LOG.info("edge listening on {}://{}:{}/ (aeron dir {}, events {})", null != ctx.tlsKeyStore ? "https" : "http",
            ctx.host, port, ctx.aeronDirectoryName, ctx.eventsChannel);
    }

    /**
     * The endpoint if this edge serves its transport, else a 403 saying so (before any upgrade), so a client
     * falls back to the next transport at once.
     */
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
                final long hintMs = ThreadLocalRandom.current().nextLong(ctx.drainReconnectJitterMs + 1);
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
        return fanOut.isEventStreamConnected() && fanOut.isCatalogComplete();
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
        fanOut.drain(TimeUnit.MILLISECONDS.toNanos(ctx.drainMs), ctx.drainReconnectJitterMs);
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
        return fanOutInvoker;
    }

    /**
     * For an embedder driving {@link #agentInvoker()}: true while the fan-out has work that falls due by time
     * rather than by a wake-up (park short then). Invoking thread.
     */
    public boolean hasWorkDueSoon()
    {
        return fanOut.hasWorkDueSoon();
    }

    /**
     * Stop the fan-out (so nothing more is handed to the IO threads), then stop accepting and close every
     * connection (waiting for the IO threads: their close tasks update counters in Aeron's mapped file), then
     * detach from Aeron.
     */
    public void close()
    {
        CloseHelper.quietCloseAll(fanOutRunner, fanOutInvoker);
        httpListener.close();
        CloseHelper.closeAll(counters, aeron);
    }
}
