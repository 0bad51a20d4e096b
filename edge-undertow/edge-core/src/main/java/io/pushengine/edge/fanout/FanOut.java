package io.pushengine.edge.fanout;

import io.pushengine.codec.StreamContext;
import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.ClusterLayout;
import io.pushengine.edge.cluster.ClusterAttachment;
import io.pushengine.edge.cluster.ClusterIngress;
import io.pushengine.codec.IdleStrategies;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.stream.IngressAuthentication;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.codec.stream.ReplayRequestProxy;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.session.IoThreadFlusher;
import io.pushengine.edge.session.DeliveryLatencies;
import io.pushengine.edge.session.IoThreadFlushers;
import io.pushengine.edge.session.SessionExecutor;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import io.pushengine.codec.CallerRunsDutyCycle;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The edge's fan-out as a component of its own, for any transport: attaches to an engine's Aeron streams (events,
 * replays, ingress), runs the {@link FanOutAgent} on its own thread or the caller's ({@link AgentThreadingMode}), and
 * hands transports what they need to create connections: the {@link #commandQueue()} for registration and
 * subscriptions, and a {@link #flusherFor(SessionExecutor) flusher} per IO thread. The Undertow edge is built on it;
 * so can an embedder's own transport (README, "The fan-out with your own transport"):
 * <pre>
 *   FanOut fanOut = FanOut.launch(new FanOut.Context().aeronDirectoryName(engine.aeronDirectoryName()));
 *   MySession session = new MySession(id, fanOut.flusherFor(myIoThread), fanOut.context(), options);
 *   SessionCommand.offer(fanOut.commandQueue(), SessionCommand.register(session));
 *   SessionCommand.offerInitialSubscriptions(fanOut.commandQueue(), session, options);
 * </pre>
 * Lifecycle: {@link #launch} connects (or uses the given Aeron client) and starts; {@link #close()} stops the agent,
 * then frees what this instance allocated (counters, and the Aeron client if it made it).
 */
public final class FanOut implements AutoCloseable
{
    /**
     * Connections one IO thread can have waiting for its next pass before one gets a task of its own.
     */
    public static final int IO_THREAD_FLUSH_QUEUE_CAPACITY = 64 * 1024;

    /**
     * Settings of a fan-out. Fields left unset take their system property (read where declared, as Aeron's
     * contexts do) or the given default; {@link #conclude()} checks them once. Single use.
     */
    public static final class Context extends StreamContext<Context>
    {
        protected Context self()
        {
            return this;
        }

        private Aeron aeron;
        private Publication ingressPublication;
        private String ingressToken;
        private int ringCapacity = FanOutConfiguration.ringCapacity();
        private int initialRingCapacity = FanOutConfiguration.ringInitialCapacity();
        private long heartbeatIntervalMs = FanOutConfiguration.heartbeatIntervalMs();
        private long idleTimeoutMs = FanOutConfiguration.idleTimeoutMs();
        private long maxLagMs = FanOutConfiguration.maxLagMs();
        private long ringReleaseMs = FanOutConfiguration.ringReleaseMs();
        private long maxConnectionAgeMs = FanOutConfiguration.maxConnectionAgeMs();
        private long reconnectJitterMs = FanOutConfiguration.drainReconnectJitterMs();
        private int recentWindowBytes = FanOutConfiguration.recentWindowBytes();
        private int recentWindowEvents = FanOutConfiguration.recentWindowEvents();
        private String backpressurePolicy = FanOutConfiguration.backpressurePolicy();
        private String backpressureRules = FanOutConfiguration.backpressureRules();
        private BackpressureRules rules;
        private PublishAckListener publishAckListener = PublishAckListener.NONE;
        private ClusterLayout clusterLayout = FanOutConfiguration.clusterLayout();
        private String clusterLocalHost = System.getProperty(
            FanOutConfiguration.CLUSTER_LOCAL_HOST_PROP_NAME, FanOutConfiguration.CLUSTER_LOCAL_HOST_DEFAULT);
        private int clusterMemberId = Integer.getInteger(
            FanOutConfiguration.CLUSTER_MEMBER_PROP_NAME, FanOutConfiguration.CLUSTER_MEMBER_DEFAULT);
        private long clusterMemberTimeoutMs = Long.getLong(FanOutConfiguration.CLUSTER_MEMBER_TIMEOUT_MS_PROP_NAME,
            FanOutConfiguration.CLUSTER_MEMBER_TIMEOUT_MS_DEFAULT);
        private ClusterIngress clusterIngress;
        private FanOutCounters counters;
        private AtomicCounter errorCounter;
        private AtomicCounter ioThreadWakeUps;
        private AtomicCounter framesOut;
        private AtomicCounter bytesOut;
        private String counterLabel;
        private Supplier<IdleStrategy> idleStrategySupplier;
        private AgentThreadingMode threadingMode;
        private ErrorHandler errorHandler = Throwable::printStackTrace;
        private NanoClock nanoClock = new SystemNanoClock();
        private EpochNanoClock epochClock;
        private boolean concluded;

        /**
         * Check the settings and fill in what was left to its default. Called by {@link FanOut#launch}.
         *
         * @throws IllegalArgumentException naming the property of a bad value.
         */
        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded: a context is single use");
            }
            concluded = true;
            if (null == aeronDirectoryName())
            {
                aeronDirectoryName(CommonContext.getAeronDirectoryName());
            }
            if (null == rules)
            {
                rules = BackpressureRules.parse(backpressureRules, BackpressureRules.parsePolicy(
                    backpressurePolicy, FanOutConfiguration.BACKPRESSURE_POLICY_PROP_NAME));
            }
            if (maxConnectionAgeMs < 0)
            {
                throw new IllegalArgumentException(FanOutConfiguration.MAX_CONNECTION_AGE_MS_PROP_NAME +
                    " must be >= 0 (0: never): " + maxConnectionAgeMs);
            }
            if (Integer.bitCount(ringCapacity) != 1)
            {
                throw new IllegalArgumentException(
                    FanOutConfiguration.RING_CAPACITY_PROP_NAME + " must be a power of two: " + ringCapacity);
            }
            if (Integer.bitCount(initialRingCapacity) != 1 || initialRingCapacity < 1024)
            {
                throw new IllegalArgumentException(FanOutConfiguration.RING_INITIAL_CAPACITY_PROP_NAME +
                    " must be a power of two of at least 1024: " + initialRingCapacity);
            }
            initialRingCapacity = Math.min(initialRingCapacity, ringCapacity);
            if (heartbeatIntervalMs <= 0)
            {
                throw new IllegalArgumentException(
                    FanOutConfiguration.HEARTBEAT_INTERVAL_MS_PROP_NAME + " must be > 0: " + heartbeatIntervalMs);
            }
            if (null == idleStrategySupplier)
            {
                idleStrategySupplier = IdleStrategies.fromSystemProperties();
            }
            if (null == threadingMode)
            {
                threadingMode = AgentThreadingMode.fromSystemProperties();
            }
            if (null == epochClock)
            {
                epochClock = new OffsetEpochNanoClock();
            }
            if (null == counterLabel)
            {
                counterLabel = "fan-out:" + ProcessHandle.current().pid();
            }
            if (null != clusterLayout)
            {
                if (clusterMemberId < 0 || clusterMemberId >= clusterLayout.memberCount())
                {
                    throw new IllegalArgumentException(FanOutConfiguration.CLUSTER_MEMBER_PROP_NAME + "=" +
                        clusterMemberId + " must be one of 0.." + (clusterLayout.memberCount() - 1) + " (" +
                        clusterLayout.memberCount() + " hosts in " + FanOutConfiguration.CLUSTER_HOSTS_PROP_NAME + ")");
                }
                if (clusterMemberTimeoutMs < 500)
                {
                    throw new IllegalArgumentException(FanOutConfiguration.CLUSTER_MEMBER_TIMEOUT_MS_PROP_NAME + "=" +
                        clusterMemberTimeoutMs + " must be at least 500 (members heartbeat every 250 ms)");
                }
            }
            return this;
        }

        public boolean isConcluded()
        {
            return concluded;
        }

        /**
         * Attach to a replicated sequencer instead of a single engine: follow one member's event stream at a time
         * ({@link ClusterAttachment}). Default {@value FanOutConfiguration#CLUSTER_HOSTS_PROP_NAME}; null for a
         * single engine.
         */
        public Context clusterLayout(final ClusterLayout clusterLayout)
        {
            this.clusterLayout = clusterLayout;
            return this;
        }

        public ClusterLayout clusterLayout()
        {
            return clusterLayout;
        }

        /**
         * An address of this host the members can send to. Default
         * {@value FanOutConfiguration#CLUSTER_LOCAL_HOST_PROP_NAME}.
         */
        public Context clusterLocalHost(final String clusterLocalHost)
        {
            this.clusterLocalHost = clusterLocalHost;
            return this;
        }

        public String clusterLocalHost()
        {
            return clusterLocalHost;
        }

        /**
         * The member to follow first. Default {@value FanOutConfiguration#CLUSTER_MEMBER_PROP_NAME}.
         */
        public Context clusterMemberId(final int clusterMemberId)
        {
            this.clusterMemberId = clusterMemberId;
            return this;
        }

        public Context clusterMemberTimeoutMs(final long clusterMemberTimeoutMs)
        {
            this.clusterMemberTimeoutMs = clusterMemberTimeoutMs;
            return this;
        }

        /**
         * The session publishes go through when attached to a cluster (the caller keeps and closes it; the
         * fan-out drives it and takes its answers).
         */
        public Context clusterIngress(final ClusterIngress clusterIngress)
        {
            this.clusterIngress = clusterIngress;
            return this;
        }

        /**
         * An Aeron client to use (the caller keeps and closes it); by default the fan-out connects its own to
         * {@link #aeronDirectoryName(String)}.
         */
        public Context aeron(final Aeron aeron)
        {
            this.aeron = aeron;
            return this;
        }

        public Aeron aeron()
        {
            return aeron;
        }

        /**
         * The publication to the engine's ingress to use (the caller keeps and closes it), when the caller shares
         * it with its own publishers; by default the fan-out adds an exclusive one.
         */
        public Context ingressPublication(final Publication ingressPublication)
        {
            this.ingressPublication = ingressPublication;
            return this;
        }

        /**
         * The fan-out's token for an engine whose ingress requires one; null (default) if it does not.
         */
        public Context ingressToken(final String ingressToken)
        {
            this.ingressToken = ingressToken;
            return this;
        }

        public String ingressToken()
        {
            return ingressToken;
        }

        /**
         * Bytes of outbound ring per connection (power of two): the most a connection may fall behind before its
         * delivery policy acts. Default {@value FanOutConfiguration#RING_CAPACITY_PROP_NAME}.
         */
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
         * Bytes of a connection's first ring (power of two, at least 1024). Default
         * {@value FanOutConfiguration#RING_INITIAL_CAPACITY_PROP_NAME}.
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

        public long heartbeatIntervalMs()
        {
            return heartbeatIntervalMs;
        }

        /**
         * A connection without any subscription this long is closed; 0 for never.
         */
        public Context idleTimeoutMs(final long idleTimeoutMs)
        {
            this.idleTimeoutMs = idleTimeoutMs;
            return this;
        }

        public long idleTimeoutMs()
        {
            return idleTimeoutMs;
        }

        public Context maxLagMs(final long maxLagMs)
        {
            this.maxLagMs = maxLagMs;
            return this;
        }

        public long maxLagMs()
        {
            return maxLagMs;
        }

        public Context ringReleaseMs(final long ringReleaseMs)
        {
            this.ringReleaseMs = ringReleaseMs;
            return this;
        }

        public long ringReleaseMs()
        {
            return ringReleaseMs;
        }

        /**
         * Recycle streaming connections at this age (closed 1001 with a reconnect hint, spread over its last
         * fifth); 0 never. Default {@value FanOutConfiguration#MAX_CONNECTION_AGE_MS_PROP_NAME}.
         */
        public Context maxConnectionAgeMs(final long maxConnectionAgeMs)
        {
            this.maxConnectionAgeMs = maxConnectionAgeMs;
            return this;
        }

        public long maxConnectionAgeMs()
        {
            return maxConnectionAgeMs;
        }

        /**
         * Upper bound of the random {@code retry-after-ms} hint a drain or recycle close carries.
         */
        public Context reconnectJitterMs(final long reconnectJitterMs)
        {
            this.reconnectJitterMs = reconnectJitterMs;
            return this;
        }

        public long reconnectJitterMs()
        {
            return reconnectJitterMs;
        }

        public Context recentWindowBytes(final int recentWindowBytes)
        {
            this.recentWindowBytes = recentWindowBytes;
            return this;
        }

        public int recentWindowBytes()
        {
            return recentWindowBytes;
        }

        public Context recentWindowEvents(final int recentWindowEvents)
        {
            this.recentWindowEvents = recentWindowEvents;
            return this;
        }

        public int recentWindowEvents()
        {
            return recentWindowEvents;
        }

        /**
         * The policy for topics no rule matches: disconnect, conflate, drop or throttle:N. Default
         * {@value FanOutConfiguration#BACKPRESSURE_POLICY_PROP_NAME}.
         */
        public Context backpressurePolicy(final String backpressurePolicy)
        {
            this.backpressurePolicy = backpressurePolicy;
            return this;
        }

        /**
         * Policies per topic pattern, first match wins, e.g. {@code px.*=conflate,orders.*=drop,news.*=throttle:5}.
         * Default {@value FanOutConfiguration#BACKPRESSURE_RULES_PROP_NAME}.
         */
        public Context backpressureRules(final String backpressureRules)
        {
            this.backpressureRules = backpressureRules;
            return this;
        }

        /**
         * Delivery policy per topic, already parsed: instead of {@link #backpressurePolicy(String)} and
         * {@link #backpressureRules(String)}, which {@link #conclude()} parses otherwise.
         */
        public Context rules(final BackpressureRules rules)
        {
            this.rules = rules;
            return this;
        }

        public BackpressureRules rules()
        {
            return rules;
        }

        /**
         * Told of the engine's answers to publishes the caller sent with its own correlation ids (an HTTP ingress).
         */
        public Context publishAckListener(final PublishAckListener publishAckListener)
        {
            this.publishAckListener = publishAckListener;
            return this;
        }

        /**
         * Counters to update (the caller keeps and closes them) instead of allocating them labelled
         * {@link #counterLabel(String)}; with them, {@link #errorCounter} and {@link #ioThreadWakeUps}.
         */
        public Context counters(
            final FanOutCounters counters, final AtomicCounter errorCounter, final AtomicCounter ioThreadWakeUps)
        {
            this.counters = counters;
            this.errorCounter = errorCounter;
            this.ioThreadWakeUps = ioThreadWakeUps;
            return this;
        }

        /**
         * Where the IO threads count the frames and bytes their connections write (the caller keeps and closes
         * them): each IO thread adds what it wrote once per slice of its pass ({@link IoThreadFlusher#countWritten}).
         * Not set: not counted.
         */
        public Context writeCounters(final AtomicCounter framesOut, final AtomicCounter bytesOut)
        {
            this.framesOut = framesOut;
            this.bytesOut = bytesOut;
            return this;
        }

        /**
         * The label ({@code source} in {@code /metrics}) of what the fan-out allocates: its counters, unless given,
         * and always its latency histograms.
         */
        public Context counterLabel(final String counterLabel)
        {
            this.counterLabel = counterLabel;
            return this;
        }

        public Context idleStrategySupplier(final Supplier<IdleStrategy> idleStrategySupplier)
        {
            this.idleStrategySupplier = idleStrategySupplier;
            return this;
        }

        /**
         * On a thread of its own ({@code DEDICATED}, {@code SHARED}) or driven by the caller through
         * {@link FanOut#agentInvoker()} ({@code INVOKER}). Default {@link AgentThreadingMode#PROP_NAME}.
         */
        public Context threadingMode(final AgentThreadingMode threadingMode)
        {
            this.threadingMode = threadingMode;
            return this;
        }

        public AgentThreadingMode threadingMode()
        {
            return threadingMode;
        }

        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /**
         * The agent's clock (duty cycles, timeouts); a test steps it.
         */
        public Context nanoClock(final NanoClock nanoClock)
        {
            this.nanoClock = nanoClock;
            return this;
        }

        /**
         * Wall-clock time in nanoseconds for the timestamps clients see (heartbeats, frames).
         */
        public Context epochClock(final EpochNanoClock epochClock)
        {
            this.epochClock = epochClock;
            return this;
        }

        public EpochNanoClock epochClock()
        {
            return epochClock;
        }
    }

    private final Context ctx;
    private final Aeron ownedAeron;
    private final Publication ownedIngressPublication;
    private final FanOutCounters ownedCounters;
    private final DeliveryLatencies latencies;
    private final AtomicCounter ownedErrorCounter;
    private final AtomicCounter ownedWakeUps;
    private final Subscription eventSubscription;
    private final Subscription replaySubscription;
    private final Publication replayRequestPublication;
    private final FanOutCounters counters;
    private final FanOutAgent agent;
    private final IoThreadFlushers flushers;
    private final AgentRunner runner;
    private final CallerRunsDutyCycle callerRuns;
    private final AgentInvoker invoker;
    private final ClusterAttachment attachment;
    private final AtomicCounter[] clusterCounters;

    private FanOut(final Context ctx)
    {
        this.ctx = ctx;
        Aeron aeron = ctx.aeron;
        Aeron newAeron = null;
        Publication newIngress = null;
        FanOutCounters newCounters = null;
        AtomicCounter newErrors = null;
        AtomicCounter newWakeUps = null;
        DeliveryLatencies newLatencies = null;
        AgentRunner newRunner = null;
        CallerRunsDutyCycle newCallerRuns = null;
        Subscription events = null;
        Subscription replays = null;
        Publication replayRequests = null;
        ClusterAttachment newAttachment = null;
        AtomicCounter[] newClusterCounters = null;
        try
        {
            if (null == aeron)
            {
                newAeron = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(ctx.aeronDirectoryName())
                    .errorHandler(ctx.errorHandler)
                    .clientName("push-fan-out"));
                aeron = newAeron;
            }
            Publication ingress = ctx.ingressPublication;
            if (null == ingress && null == ctx.clusterLayout)
            {
                // exclusive: the fan-out's own Aeron session, so its ingress token is its own
                newIngress = aeron.addExclusivePublication(ctx.ingressChannel(), ctx.ingressStreamId());
                ingress = newIngress;
            }
            FanOutCounters counters = ctx.counters;
            AtomicCounter errors = ctx.errorCounter;
            AtomicCounter wakeUps = ctx.ioThreadWakeUps;
            if (null == counters)
            {
                newCounters = FanOutCounters.allocate(aeron, ctx.counterLabel);
                newErrors = CounterType.EDGE_ERRORS.allocate(aeron::addCounter, ctx.counterLabel);
                newWakeUps = CounterType.EDGE_IO_THREAD_WAKE_UPS.allocate(aeron::addCounter, ctx.counterLabel);
                counters = newCounters;
                errors = newErrors;
                wakeUps = newWakeUps;
            }

            newLatencies = new DeliveryLatencies(aeron::addCounter, ctx.counterLabel);
            final IngressProxy catalogRequests;
            final ReplayRequestProxy replayRequestProxy;
            if (null != ctx.clusterLayout)
            {
                newClusterCounters = new AtomicCounter[] {
                    CounterType.EDGE_CLUSTER_MEMBER.allocate(aeron::addCounter, ctx.counterLabel),
                    CounterType.EDGE_CLUSTER_MEMBER_SWITCHES.allocate(aeron::addCounter, ctx.counterLabel),
                    CounterType.EDGE_CLUSTER_SESSIONS.allocate(aeron::addCounter, ctx.counterLabel)};
                newAttachment = new ClusterAttachment(aeron, ctx.clusterLayout, ctx.clusterLocalHost,
                    ctx.clusterMemberId, TimeUnit.MILLISECONDS.toNanos(ctx.clusterMemberTimeoutMs), ctx.nanoClock,
                    ctx.clusterIngress, newClusterCounters[0], newClusterCounters[1]);
                events = newAttachment.eventSubscription();
                replays = newAttachment.replaySubscription();
                catalogRequests = new IngressProxy(newAttachment.requestPublication());
                replayRequestProxy = new ReplayRequestProxy(newAttachment.replayRequestPublication());
            }
            else
            {
                events = aeron.addSubscription(ctx.eventsChannel(), ctx.eventsStreamId());
                replays = aeron.addSubscription(ctx.eventsChannel(), ProtocolDefaults.REPLAY_STREAM_ID);
                replayRequests = aeron.addPublication(ctx.ingressChannel(), ProtocolDefaults.REPLAY_REQUEST_STREAM_ID);
                catalogRequests = new IngressProxy(ingress);
                replayRequestProxy = new ReplayRequestProxy(replayRequests);
            }
            this.counters = counters;
            agent = new FanOutAgent(
                events,
                catalogRequests,
                ctx.publishAckListener,
                counters,
                ctx.rules,
                ctx.nanoClock,
                ctx.epochClock,
                new FanOutAgent.Timeouts(
                    TimeUnit.MILLISECONDS.toNanos(ctx.heartbeatIntervalMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.idleTimeoutMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.maxLagMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.ringReleaseMs),
                    TimeUnit.MILLISECONDS.toNanos(ctx.maxConnectionAgeMs),
                    ctx.reconnectJitterMs),
                64 * 1024,
                replays,
                replayRequestProxy,
                ctx.recentWindowBytes,
                ctx.recentWindowEvents,
                newLatencies.newPublishToFanOut());
            flushers = new IoThreadFlushers(
                IO_THREAD_FLUSH_QUEUE_CAPACITY, ctx.ringCapacity, wakeUps, newLatencies, ctx.epochClock,
                ctx.framesOut, ctx.bytesOut);

            Agent duties;
            if (null != newAttachment)
            {
                newAttachment.bind(agent, catalogRequests, replayRequestProxy);
                if (null != ctx.clusterIngress)
                {
                    ctx.clusterIngress.bind(agent, newClusterCounters[2]);
                }
                duties = new CompositeAgent(agent, newAttachment);
            }
            else
            {
                duties = null == ctx.ingressToken ? agent : new CompositeAgent(
                    agent, new IngressAuthentication(new IngressProxy(ingress), ctx.ingressToken, ctx.nanoClock));
            }
            if (AgentThreadingMode.INVOKER == ctx.threadingMode)
            {
                invoker = new AgentInvoker(ctx.errorHandler, errors, duties);
                runner = null;
            }
            else
            {
                invoker = null;
                if (CallerRunsDutyCycle.enabledBySystemProperty())
                {
                    // an IO thread that queues a command, or runs the sequencer in this process, runs the fan-out
                    final CallerRunsDutyCycle dutyCycle = new CallerRunsDutyCycle(
                        duties, ctx.errorHandler, errors, agent::hasWorkDueSoon);
                    agent.coveredBy(dutyCycle);
                    newCallerRuns = dutyCycle;
                    duties = dutyCycle;
                }
                newRunner = new AgentRunner(IdleStrategies.dueWorkAware(ctx.idleStrategySupplier.get(),
                    agent::hasWorkDueSoon), ctx.errorHandler, errors, duties);
                AgentRunner.startOnThread(newRunner);
                runner = newRunner;
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(newRunner, newAttachment, replayRequests, replays, events, newLatencies,
                newWakeUps, newErrors, newCounters, newIngress);
            if (null != newClusterCounters)
            {
                CloseHelper.quietCloseAll(newClusterCounters);
            }
            CloseHelper.quietClose(newAeron);
            throw ex;
        }
        this.attachment = newAttachment;
        this.callerRuns = newCallerRuns;
        this.clusterCounters = newClusterCounters;
        this.eventSubscription = events;
        this.replaySubscription = replays;
        this.replayRequestPublication = replayRequests;
        this.ownedAeron = newAeron;
        this.ownedIngressPublication = newIngress;
        this.ownedCounters = newCounters;
        this.latencies = newLatencies;
        this.ownedErrorCounter = newErrors;
        this.ownedWakeUps = newWakeUps;
    }

    /**
     * Conclude the context (unless its owner already did, as the Undertow edge's context does), attach to the
     * engine's streams and start the agent (unless {@code INVOKER}).
     */
    public static FanOut launch(final Context ctx)
    {
        return new FanOut(ctx.isConcluded() ? ctx : ctx.conclude());
    }

    public Context context()
    {
        return ctx;
    }

    /**
     * Where transports send a connection's registration, subscriptions and removal ({@link SessionCommand}).
     */
    public ManyToOneConcurrentArrayQueue<SessionCommand> commandQueue()
    {
        return agent.commandQueue();
    }

    /**
     * The flusher of an IO thread, for the connections created on it: one per thread however many connections.
     */
    public IoThreadFlusher flusherFor(final SessionExecutor ioThread)
    {
        return flushers.forThread(ioThread);
    }

    /**
     * The counters the fan-out updates (allocated by it, or given in its context); a connection's ring bytes go to
     * {@link FanOutCounters#ringBytes()}.
     */
    public FanOutCounters counters()
    {
        return counters;
    }

    /**
     * The flushers of every IO thread, for a transport that looks them up itself.
     */
    /**
     * The latency histograms of this fan-out and its transports' IO threads.
     */
    public DeliveryLatencies latencies()
    {
        return latencies;
    }

    public IoThreadFlushers flushers()
    {
        return flushers;
    }

    /**
     * The agent, for what it reports to any thread: {@link FanOutAgent#isCaughtUp()},
     * {@link FanOutAgent#declaredTopics()}, {@link FanOutAgent#drain}.
     */
    public FanOutAgent agent()
    {
        return agent;
    }

    /**
     * True once attached to the event stream with a complete topic catalog.
     */
    public boolean isReady()
    {
        return agent.isEventStreamConnected() && agent.isCatalogComplete();
    }

    /**
     * The agent to drive in {@link AgentThreadingMode#INVOKER} mode (else null): {@link AgentInvoker#start()} on the
     * thread that invokes it, then {@link AgentInvoker#invoke()} in the caller's duty cycle.
     */
    public AgentInvoker agentInvoker()
    {
        return invoker;
    }

    public void close()
    {
        if (null != callerRuns)
        {
            agent.uncoveredBy(callerRuns);
        }
        CloseHelper.quietCloseAll(runner, invoker);
        if (null != attachment)
        {
            CloseHelper.closeAll(attachment); // its subscriptions and publications, whichever member it follows
            CloseHelper.closeAll(clusterCounters);
        }
        CloseHelper.closeAll(replayRequestPublication, null == attachment ? replaySubscription : null,
            null == attachment ? eventSubscription : null, latencies, ownedWakeUps, ownedErrorCounter, ownedCounters,
            ownedIngressPublication, ownedAeron);
    }
}
