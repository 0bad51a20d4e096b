package io.pushengine.engine.cluster;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.codec.ClusterLayout;
import io.aeron.security.DefaultAuthenticatorSupplier;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.engine.EngineConfiguration;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.engine.replay.ReplayService;
import io.pushengine.journal.JournalRetention;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import io.pushengine.engine.sequencer.ClusteredSequencer;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.TopicRegistryStore;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpLock;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One member of a replicated sequencer: a media driver, an Aeron Archive (the Raft log's storage), a consensus
 * module and the {@link ClusteredSequencer} service with its own journal, all in this process, on the ports and
 * directories its {@link Context} derives from a member id, the members' host list and a base port.
 * <pre>{@code
 * try (ClusterNode node = ClusterNode.launch(new ClusterNode.Context()
 *     .memberId(0).hosts(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3")).portBase(20000).baseDir(new File("push-cluster"))))
 * {
 *     ...
 * }
 * }</pre>
 * Ports of member {@code i} ({@link ClusterLayout}): {@code portBase + 100 i +} 1 archive control, 2 client ingress,
 * 3 consensus, 4 log, 5 catch-up, 6 edge events, 7 edge requests. Publishers reach the cluster with
 * {@link Context#ingressEndpoints()} ({@link io.pushengine.client.ClusterPublisher}); edges attach to any member's event stream and send
 * it their catalog and replay requests ({@link ClusterLayout#edgeEventsSubscriptionChannel}).
 */
public final class ClusterNode implements AutoCloseable
{
    public static final String MEMBER_ID_PROP_NAME = "push.cluster.member.id";
    public static final String HOSTS_PROP_NAME = "push.cluster.hosts";
    public static final String HOSTS_DEFAULT = "localhost,localhost,localhost";
    public static final String PORT_BASE_PROP_NAME = "push.cluster.port.base";
    public static final int PORT_BASE_DEFAULT = 20000;
    public static final String NAME_PROP_NAME = "push.cluster.name";
    public static final String NAME_DEFAULT = "push";
    public static final String DIR_PROP_NAME = "push.cluster.dir";
    public static final String DIR_DEFAULT = "push-cluster";
    public static final String SNAPSHOT_INTERVAL_MS_PROP_NAME = "push.cluster.snapshot.interval.ms";
    public static final long SNAPSHOT_INTERVAL_MS_DEFAULT = 600_000;
    public static final String LEADER_HEARTBEAT_TIMEOUT_MS_PROP_NAME = "push.cluster.leader.heartbeat.timeout.ms";
    public static final long LEADER_HEARTBEAT_TIMEOUT_MS_DEFAULT = 2_000;

    static final int PORTS_PER_MEMBER = ClusterLayout.PORTS_PER_MEMBER;

    /**
     * Where a member is and what it runs; {@link #conclude()} checks it and derives the Aeron contexts.
     */
    public static final class Context
    {
        private int memberId = Integer.getInteger(MEMBER_ID_PROP_NAME, -1);
        private List<String> hosts = hostsOf(System.getProperty(HOSTS_PROP_NAME, HOSTS_DEFAULT));
        private int portBase = Integer.getInteger(PORT_BASE_PROP_NAME, PORT_BASE_DEFAULT);
        private File baseDir = new File(System.getProperty(DIR_PROP_NAME, DIR_DEFAULT));
        private String clusterName = System.getProperty(NAME_PROP_NAME, NAME_DEFAULT);
        private long leaderHeartbeatTimeoutMs =
            Long.getLong(LEADER_HEARTBEAT_TIMEOUT_MS_PROP_NAME, LEADER_HEARTBEAT_TIMEOUT_MS_DEFAULT);
        private String eventsChannel;
        private boolean serveEdges = true;
        private long snapshotIntervalMs = Long.getLong(SNAPSHOT_INTERVAL_MS_PROP_NAME, SNAPSHOT_INTERVAL_MS_DEFAULT);
        private long replayAwaitJournalMs = 5_000;
        private int eventsStreamId = ProtocolDefaults.EVENTS_STREAM_ID;
        private int maxPayloadLength = StreamConfiguration.maxPayloadLength();
        private Supplier<IdleStrategy> idleStrategySupplier =
            () -> new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
        private ClusteredSequencer.RoleListener roleListener;
        private java.util.function.Consumer<RuntimeException> startFailureHandler;
        private byte[] ingressJwtSecret = EngineConfiguration.ingressJwtSecret();
        private String aeronDirectoryName;

        public Context memberId(final int memberId)
        {
            this.memberId = memberId;
            return this;
        }

        public int memberId()
        {
            return memberId;
        }

        /**
         * The members' hosts in member id order (id 0 first): every member must be given the same list.
         */
        public Context hosts(final List<String> hosts)
        {
            this.hosts = List.copyOf(hosts);
            return this;
        }

        public List<String> hosts()
        {
            return hosts;
        }

        public Context portBase(final int portBase)
        {
            this.portBase = portBase;
            return this;
        }

        public int portBase()
        {
            return portBase;
        }

        /**
         * Parent of every member's directory ({@code member-<id>}: aeron, archive, cluster, journal).
         */
        public Context baseDir(final File baseDir)
        {
            this.baseDir = baseDir;
            return this;
        }

        /**
         * The cluster's name, recorded beside each member's journal ({@link ClusterIdentity}) so a member never
         * starts on another cluster's journal.
         */
        public Context clusterName(final String clusterName)
        {
            this.clusterName = clusterName;
            return this;
        }

        public String clusterName()
        {
            return clusterName;
        }

        public File memberDir()
        {
            return new File(baseDir, "member-" + memberId);
        }

        public File journalDir()
        {
            return new File(memberDir(), "journal");
        }

        /**
         * How long followers wait without hearing from the leader before they elect another: most of the time
         * publishing pauses when a leader dies.
         */
        public Context leaderHeartbeatTimeoutMs(final long leaderHeartbeatTimeoutMs)
        {
            this.leaderHeartbeatTimeoutMs = leaderHeartbeatTimeoutMs;
            return this;
        }

        /**
         * The channel this member offers committed events on (edges subscribe to it); by default its edge events
         * port ({@link ClusterLayout#edgeEventsPublicationChannel}).
         */
        public Context eventsChannel(final String eventsChannel)
        {
            this.eventsChannel = eventsChannel;
            return this;
        }

        public String eventsChannel()
        {
            return eventsChannel;
        }

        /**
         * How often the leader has the cluster snapshot (every member writes one at the same log position); 0 for
         * only on demand ({@code ClusterTool snapshot}). Default {@value #SNAPSHOT_INTERVAL_MS_PROP_NAME}.
         */
        public Context snapshotIntervalMs(final long snapshotIntervalMs)
        {
            this.snapshotIntervalMs = snapshotIntervalMs;
            return this;
        }

        /**
         * Whether the member serves edges (default true): an event stream, catalog answers and journal replays on
         * its edge ports. Off, it only sequences and journals.
         */
        public Context serveEdges(final boolean serveEdges)
        {
            this.serveEdges = serveEdges;
            return this;
        }

        /**
         * How long a replay request for events this member has not yet journaled waits for them (a follower
         * applies the log a little after the member an edge saw them from) before it is answered short.
         */
        public Context replayAwaitJournalMs(final long replayAwaitJournalMs)
        {
            this.replayAwaitJournalMs = replayAwaitJournalMs;
            return this;
        }

        public ClusterLayout layout()
        {
            return new ClusterLayout(hosts, portBase);
        }

        public Context idleStrategySupplier(final Supplier<IdleStrategy> idleStrategySupplier)
        {
            this.idleStrategySupplier = idleStrategySupplier;
            return this;
        }

        /**
         * The HS256 key publishers' and edges' tokens must be signed with to publish through the cluster's ingress
         * (a session presents its token when it connects; its {@code pub_topics} bound what it may publish); null
         * for an open ingress. Default {@code push.ingress.jwt.secret} / {@code .file}, as on a single engine.
         */
        public Context ingressJwtSecret(final byte[] ingressJwtSecret)
        {
            this.ingressJwtSecret = ingressJwtSecret;
            return this;
        }

        /**
         * Told, on the service thread, when the sequencer cannot start: its journal ends before its newest
         * snapshot's sequence. The member is of no use then; the {@code cluster-node} role exits with status 2.
         */
        public Context startFailureHandler(final java.util.function.Consumer<RuntimeException> startFailureHandler)
        {
            this.startFailureHandler = startFailureHandler;
            return this;
        }

        public Context roleListener(final ClusteredSequencer.RoleListener roleListener)
        {
            this.roleListener = roleListener;
            return this;
        }

        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /**
         * The members string Aeron Cluster reads: {@code id,ingress,consensus,log,catchup,archive|...}.
         */
        public String clusterMembers()
        {
            final StringBuilder members = new StringBuilder();
            for (int id = 0; id < hosts.size(); id++)
            {
                final String host = hosts.get(id);
                members.append(id)
                    .append(',').append(endpoint(host, id, ClusterLayout.INGRESS_PORT_OFFSET))
                    .append(',').append(endpoint(host, id, ClusterLayout.CONSENSUS_PORT_OFFSET))
                    .append(',').append(endpoint(host, id, ClusterLayout.LOG_PORT_OFFSET))
                    .append(',').append(endpoint(host, id, ClusterLayout.CATCHUP_PORT_OFFSET))
                    .append(',').append(endpoint(host, id, ClusterLayout.ARCHIVE_CONTROL_PORT_OFFSET))
                    .append('|');
            }
            members.setLength(members.length() - 1);
            return members.toString();
        }

        /**
         * What a publisher needs to find the cluster: {@code 0=host:port,1=host:port,...}.
         */
        public String ingressEndpoints()
        {
            return ingressEndpointsOf(hosts, portBase);
        }

        /**
         * @throws IllegalArgumentException with the setting to fix.
         */
        public Context conclude()
        {
            if (hosts.isEmpty() || hosts.stream().anyMatch(String::isBlank))
            {
                throw new IllegalArgumentException(HOSTS_PROP_NAME + "=" + String.join(",", hosts) +
                    ": list every member's host in member id order, e.g. host0,host1,host2");
            }
            if (memberId < 0 || memberId >= hosts.size())
            {
                throw new IllegalArgumentException(MEMBER_ID_PROP_NAME + "=" + memberId + " must be one of 0.." +
                    (hosts.size() - 1) + " (" + hosts.size() + " hosts in " + HOSTS_PROP_NAME + ")");
            }
            if (portBase <= 0 || portBase + hosts.size() * PORTS_PER_MEMBER > 65535)
            {
                throw new IllegalArgumentException(PORT_BASE_PROP_NAME + "=" + portBase + " leaves no room for " +
                    hosts.size() + " members of " + PORTS_PER_MEMBER + " ports each");
            }
            if (null == clusterName || clusterName.isBlank())
            {
                throw new IllegalArgumentException(NAME_PROP_NAME + " must not be blank");
            }
            if (snapshotIntervalMs < 0 || (snapshotIntervalMs > 0 && snapshotIntervalMs < 1_000))
            {
                throw new IllegalArgumentException(
                    SNAPSHOT_INTERVAL_MS_PROP_NAME + "=" + snapshotIntervalMs + " must be 0 (off) or at least 1000");
            }
            if (leaderHeartbeatTimeoutMs < 100)
            {
                throw new IllegalArgumentException(
                    LEADER_HEARTBEAT_TIMEOUT_MS_PROP_NAME + "=" + leaderHeartbeatTimeoutMs + " must be at least 100");
            }
            if (null == aeronDirectoryName)
            {
                aeronDirectoryName = CommonContext.getAeronDirectoryName() + "-cluster-member-" + memberId;
            }
            if (null == eventsChannel && serveEdges)
            {
                eventsChannel = layout().edgeEventsPublicationChannel(memberId);
            }
            return this;
        }

        private String endpoint(final String host, final int id, final int offset)
        {
            return host + ":" + (portBase + id * PORTS_PER_MEMBER + offset);
        }

        static String ingressEndpointsOf(final List<String> hosts, final int portBase)
        {
            return new ClusterLayout(hosts, portBase).ingressEndpoints();
        }

        static List<String> hostsOf(final String list)
        {
            return ClusterLayout.hostsOf(list);
        }
    }

    /**
     * What a publisher needs to find a cluster of these hosts and base port: {@code 0=host:port,1=host:port,...}.
     */
    public static String ingressEndpoints(final List<String> hosts, final int portBase)
    {
        return Context.ingressEndpointsOf(hosts, portBase);
    }

    private final Context ctx;
    private final EventJournal journal;
    private final TopicRegistryStore topicRegistry;
    private final ClusteredSequencer sequencer;
    private final ClusteredMediaDriver clusteredMediaDriver;
    private final ClusteredServiceContainer container;
    private final Aeron replayAeron;
    private final AgentRunner replayRunner;
    private volatile Cluster.Role role = Cluster.Role.FOLLOWER;

    private ClusterNode(final Context ctx)
    {
        this.ctx = ctx;
        EventJournal eventJournal = null;
        TopicRegistryStore registry = null;
        ClusteredMediaDriver driver = null;
        Aeron replayAeron = null;
        AgentRunner replayRunner = null;
        ClusteredServiceContainer serviceContainer = null;
        // before anything is opened: a member on another cluster's (or member's) journal refuses, its files untouched
        new ClusterIdentity(ctx.clusterName, ctx.clusterMembers(), ctx.memberId).checkOrRecord(ctx.journalDir());
        try
        {
            eventJournal = new EventJournal(new EventJournal.Context().dir(ctx.journalDir()));
            registry = new TopicRegistryStore(eventJournal.context().dir());
            this.sequencer = new ClusteredSequencer(
                eventJournal, registry, ctx.eventsChannel,
                ctx.serveEdges ? ctx.layout().edgeRequestsChannel(ctx.memberId) : null,
                ctx.eventsStreamId, ctx.maxPayloadLength, ctx.memberId, (role, memberId) ->
                {
                    this.role = role;
                    if (null != ctx.roleListener)
                    {
                        ctx.roleListener.onRoleChange(role, memberId);
                    }
                }, ctx.startFailureHandler, ctx.ingressJwtSecret);

            final String host = ctx.hosts.get(ctx.memberId);
            final File memberDir = ctx.memberDir();
            final MediaDriver.Context driverCtx = new MediaDriver.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(ctx.idleStrategySupplier.get())
                .termBufferSparseFile(true);

            final Archive.Context archiveCtx = new Archive.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName)
                .archiveDir(new File(memberDir, "archive"))
                .controlChannel("aeron:udp?endpoint=" + ctx.endpoint(host, ctx.memberId, ClusterLayout.ARCHIVE_CONTROL_PORT_OFFSET))
                .localControlChannel("aeron:ipc?term-length=64k")
                .replicationChannel("aeron:udp?endpoint=" + host + ":0")
                .archiveClientContext(new AeronArchive.Context()
                    .controlResponseChannel("aeron:udp?endpoint=" + host + ":0"))
                .recordingEventsEnabled(false)
                .threadingMode(ArchiveThreadingMode.SHARED)
                .idleStrategySupplier(ctx.idleStrategySupplier);

            final AeronArchive.Context localArchive = new AeronArchive.Context()
                .lock(NoOpLock.INSTANCE)
                .controlRequestChannel(archiveCtx.localControlChannel())
                .controlRequestStreamId(archiveCtx.localControlStreamId())
                .controlResponseChannel(archiveCtx.localControlChannel())
                .aeronDirectoryName(ctx.aeronDirectoryName);

            final File clusterDir = new File(memberDir, "cluster");
            final ConsensusModule.Context consensusCtx = new ConsensusModule.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName)
                .clusterMemberId(ctx.memberId)
                .clusterMembers(ctx.clusterMembers())
                .clusterDir(clusterDir)
                .archiveContext(localArchive.clone())
                .serviceCount(1)
                .ingressChannel("aeron:udp")
                .logChannel("aeron:udp?term-length=4m")
                .replicationChannel("aeron:udp?endpoint=" + host + ":0")
                .leaderHeartbeatTimeoutNs(TimeUnit.MILLISECONDS.toNanos(ctx.leaderHeartbeatTimeoutMs))
                .authenticatorSupplier(null == ctx.ingressJwtSecret ? new DefaultAuthenticatorSupplier() :
                    () -> new TokenAuthenticator(ctx.ingressJwtSecret))
                .idleStrategySupplier(ctx.idleStrategySupplier);

            driver = afterStaleMarkFiles(
                () -> ClusteredMediaDriver.launch(driverCtx.clone(), archiveCtx.clone(), consensusCtx.clone()));
            this.clusteredMediaDriver = driver;
            final ClusteredServiceContainer.Context containerCtx = new ClusteredServiceContainer.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName)
                .archiveContext(localArchive.clone())
                .clusterDir(clusterDir)
                .clusteredService(sequencer)
                .serviceId(0)
                .errorHandler(Throwable::printStackTrace)
                .idleStrategySupplier(ctx.idleStrategySupplier);
            serviceContainer = afterStaleMarkFiles(() -> ClusteredServiceContainer.launch(containerCtx.clone()));
            this.container = serviceContainer;
            final boolean replays = ctx.serveEdges && null != ctx.eventsChannel;
            if (replays || ctx.snapshotIntervalMs > 0)
            {
                replayAeron = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(ctx.aeronDirectoryName)
                    .clientName("push-cluster-member-" + ctx.memberId));
                replayRunner = startHousekeeping(ctx, replayAeron, eventJournal, replays, () -> Cluster.Role.LEADER == role);
            }
            this.journal = eventJournal;
            this.topicRegistry = registry;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(replayRunner, replayAeron, serviceContainer, driver, registry, eventJournal);
            throw ex;
        }
        this.replayAeron = replayAeron;
        this.replayRunner = replayRunner;
    }

    /**
     * The member's own thread beside the cluster's: journal replays for the edges attached to it, as in the single
     * engine (a request for events this member has not journaled yet waits for them up to
     * {@link Context#replayAwaitJournalMs(long)}; retention is the single engine's business: a member keeps its
     * whole journal), and the snapshot schedule.
     */
    private static AgentRunner startHousekeeping(
        final Context ctx,
        final Aeron aeron,
        final EventJournal journal,
        final boolean replays,
        final java.util.function.BooleanSupplier isLeader)
    {
        final String source = "cluster-member-" + ctx.memberId;
        final List<Agent> agents = new java.util.ArrayList<>();
        if (ctx.snapshotIntervalMs > 0)
        {
            agents.add(new SnapshotScheduler(aeron.countersReader(),
                TimeUnit.MILLISECONDS.toNanos(ctx.snapshotIntervalMs), isLeader, new SystemNanoClock()));
        }
        if (replays)
        {
            agents.add(replayService(ctx, aeron, journal, source));
        }
        // off the consensus path: an idle member's housekeeping parks 1 ms at a time rather than spinning beside the
        // consensus module, archive and service on a small box
        final AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace,
            CounterType.ENGINE_ERRORS.allocate(aeron::addCounter, source),
            1 == agents.size() ? agents.get(0) : new CompositeAgent(agents));
        AgentRunner.startOnThread(runner);
        return runner;
    }

    private static ReplayService replayService(
        final Context ctx, final Aeron aeron, final EventJournal journal, final String source)
    {
        return new ReplayService(
            aeron.addSubscription(ctx.layout().edgeRequestsChannel(ctx.memberId),
                ProtocolDefaults.REPLAY_REQUEST_STREAM_ID),
            aeron.addExclusivePublication(ctx.eventsChannel, ProtocolDefaults.REPLAY_STREAM_ID),
            journal,
            CounterType.ENGINE_REPLAYS_SERVED.allocate(aeron::addCounter, source),
            CounterType.ENGINE_EVENTS_REPLAYED.allocate(aeron::addCounter, source),
            new JournalRetention(journal, 0, 0),
            CounterType.ENGINE_JOURNAL_CYCLES_DELETED.allocate(aeron::addCounter, source),
            TimeUnit.MILLISECONDS.toNanos(ctx.replayAwaitJournalMs));
    }

    /**
     * After a crash (kill -9, power loss) the previous process's mark files look alive until the Aeron driver
     * timeout has passed since its last update (10 s by default): a restart within that time waits for them to go
     * stale, as a supervisor's retry would, instead of failing.
     */
    private static <T> T afterStaleMarkFiles(final Supplier<T> launch)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean told = false;
        while (true)
        {
            try
            {
                return launch.get();
            }
            catch (final RuntimeException ex)
            {
                final String message = String.valueOf(ex.getMessage());
                if (!message.contains("active mark file detected") || System.nanoTime() - deadlineNs > 0)
                {
                    throw ex;
                }
                if (!told)
                {
                    System.out.println("a previous process's mark file is still fresh (" + message +
                        "): waiting for it to go stale");
                    told = true;
                }
                try
                {
                    Thread.sleep(500);
                }
                catch (final InterruptedException interrupted)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
    }

    /**
     * Start a member. Returns once its parts run; it takes part in elections from then on.
     *
     * @throws IllegalArgumentException for a setting to fix ({@link Context#conclude()}).
     */
    public static ClusterNode launch(final Context ctx)
    {
        return new ClusterNode(ctx.conclude());
    }

    public Context context()
    {
        return ctx;
    }

    /**
     * Counters of this member's media driver: ours ({@code push_engine_*}, the role) and Aeron Cluster's own.
     */
    public org.agrona.concurrent.status.CountersReader countersReader()
    {
        return clusteredMediaDriver.mediaDriver().context().countersManager();
    }

    public void close()
    {
        CloseHelper.closeAll(replayRunner, replayAeron, container, clusteredMediaDriver, topicRegistry, journal);
    }

    static String roleName(final Cluster.Role role)
    {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }
}
