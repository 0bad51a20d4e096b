package io.pushengine.app;

import io.aeron.Aeron;
import io.aeron.driver.Configuration;
import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.CallerRunsDutyCycle;
import io.pushengine.codec.IdleStrategies;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.edge.EdgeServer;
import io.pushengine.engine.EngineMain;
import io.pushengine.engine.cluster.ClusterNodeMain;
import io.pushengine.client.PublishResult;
import io.pushengine.engine.PushEngine;
import io.pushengine.engine.Topic;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one runnable artifact, with a role per process:
 * <pre>
 *   java -jar push-engine.jar [embedded]  [--config file]   engine + edge + demo price feed in one JVM (default)
 *   java -jar push-engine.jar engine      [--config file]   media driver, journal, sequencer, replay service
 *   java -jar push-engine.jar cluster-node --config file    one member of a replicated sequencer (Aeron Cluster)
 *   java -jar push-engine.jar edge        [--config file]   an Undertow edge, talking to the engine over Aeron
 *   java -jar push-engine.jar publisher   [--config file]   the demo price feed, published over Aeron
 *   java -jar push-engine.jar stat [--aeron-dir DIR] ...   counters and rates of a running engine/edge (StatMain)
 *   java -jar push-engine.jar journal [--dir DIR] ...      the journal as JSON lines (JournalMain)
 * </pre>
 * Settings are {@code push.*} system properties, from {@code -D} flags or the config file ({@code -D} wins).
 * <p>
 * Properties of the demo feed (embedded and publisher roles): {@code push.demo.instruments} (default 50) and
 * {@code push.demo.ticks.per.second} (default 2000; 0 disables the feed in the embedded role).
 */
public final class PushEngineMain
{
    /**
     * Longest sleep of the media driver's and the Aeron clients' conductors in the all-in-one role on IPC.
     */
    static final long IPC_CONDUCTOR_MAX_PARK_MS = 200;

    static final String USAGE = "usage: java -jar push-engine.jar [embedded|engine|cluster-node|edge|publisher] [--config file]" +
        "\n       java -jar push-engine.jar stat [--aeron-dir DIR] [--filter TEXT] [--interval-ms MS] [--count N]" +
        "\n       java -jar push-engine.jar journal [--dir DIR] [--from SEQ] [--topic NAME|PREFIX*] [--count N] [--follow]";

    public static void main(final String[] args)
    {
        if (args.length > 0 && "stat".equals(args[0]))
        {
            System.exit(StatMain.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        if (args.length > 0 && "journal".equals(args[0]))
        {
            System.setProperty("chronicle.analytics.disable", "true");
            System.exit(JournalMain.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        final List<String> rest;
        try
        {
            rest = RoleConfiguration.apply(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        final String role = rest.isEmpty() ? "embedded" : rest.get(0);
        if (rest.size() > 1)
        {
            System.err.println("unexpected arguments " + rest.subList(1, rest.size()));
            System.err.println(USAGE);
            System.exit(2);
        }
        switch (role)
        {
            case "embedded" -> embedded();
            case "engine" -> EngineMain.main(new String[0]);
            case "cluster-node" -> ClusterNodeMain.main(new String[0]);
            case "edge" -> EdgeMain.run();
            case "publisher" -> PublisherMain.run();
            default ->
            {
                System.err.println("unknown role '" + role + "'");
                System.err.println(USAGE);
                System.exit(2);
            }
        }
    }

    /**
     * The all-in-one process: engine (embedded media driver, journal, sequencer), one edge attached to the same
     * driver over IPC, and the demo price feed through the engine's in-process API. Ctrl-C shuts down in order:
     * feed, edge, engine.
     */
    private static void embedded()
    {
        System.setProperty("chronicle.analytics.disable", "true");
        final int instruments = Integer.getInteger("push.demo.instruments", 50);
        final long ticksPerSecond = Long.getLong("push.demo.ticks.per.second", 2000);

        final AgentThreadingMode threadingMode = AgentThreadingMode.fromSystemProperties();
        if (AgentThreadingMode.INVOKER == threadingMode)
        {
            throw new IllegalArgumentException(AgentThreadingMode.PROP_NAME + "=invoker is for embedders who drive " +
                "the agents themselves; the embedded role takes dedicated or shared");
        }
        final boolean shared = AgentThreadingMode.SHARED == threadingMode;
        final Supplier<IdleStrategy> idle =
            IdleStrategies.fromSystemProperties(IdleStrategies.ALL_IN_PROCESS_MAX_PARK_US_DEFAULT);

        final ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
        final PushEngine.Context engineCtx = new PushEngine.Context()
            .idleStrategySupplier(idle)
            .threadingMode(shared ? AgentThreadingMode.INVOKER : AgentThreadingMode.DEDICATED);
        if (isIpc(StreamConfiguration.eventsChannel()) && isIpc(StreamConfiguration.ingressChannel()))
        {
            quietWhenIdle(engineCtx);
        }
        final PushEngine engine = PushEngine.launch(engineCtx);
        EdgeServer edge = null;
        AgentRunner sharedRunner = null;
        Agent sharedAgents = null;
        AgentRunner feedRunner = null;
        try
        {
            edge = EdgeServer.launch(new EdgeServer.Context()
                .idleStrategySupplier(idle)
                .threadingMode(shared ? AgentThreadingMode.INVOKER : AgentThreadingMode.DEDICATED)
                .aeronDirectoryName(engine.aeronDirectoryName())
                .eventsChannel(engine.context().eventsChannel())
                .ingressChannel(engine.context().ingressChannel()));
            if (shared)
            {
                final EdgeServer sharedEdge = edge;
                final Agent agents = new InvokersAgent("push-agents", engine.agentInvoker(), edge.agentInvoker());
                if (CallerRunsDutyCycle.enabledBySystemProperty())
                {
                    // an IO thread that publishes runs the sequencer and the fan-out itself
                    final CallerRunsDutyCycle callerRuns = new CallerRunsDutyCycle(agents, Throwable::printStackTrace,
                        null, () -> engine.hasWorkDueSoon() || sharedEdge.hasWorkDueSoon());
                    AgentWakeups.forStream(engine.context().ingressChannel(), engine.context().ingressStreamId())
                        .coveredBy(callerRuns);
                    sharedAgents = callerRuns;
                }
                else
                {
                    sharedAgents = agents;
                }
                sharedRunner = new AgentRunner(
                    IdleStrategies.dueWorkAware(idle.get(), () -> engine.hasWorkDueSoon() || sharedEdge.hasWorkDueSoon()),
                    Throwable::printStackTrace, null, sharedAgents);
                AgentRunner.startOnThread(sharedRunner);
            }

            if (ticksPerSecond > 0)
            {
                final Topic[] topics = new Topic[instruments];
                final DemoPriceFeed feed = new DemoPriceFeed(
                    (instrument, topicName, tick, offset, length) ->
                    {
                        if (null == topics[instrument])
                        {
                            topics[instrument] = engine.topic(topicName);
                        }
                        return PublishResult.BACK_PRESSURED != engine.offer(
                            topics[instrument], PayloadType.PRICE_TICK, tick, offset, length);
                    },
                    new SystemEpochNanoClock(), instruments, ticksPerSecond);
                feedRunner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, feed);
                AgentRunner.startOnThread(feedRunner);
            }

            System.out.println();
            System.out.println("Push engine running. Live prices: http://" + edge.host() + ":" + edge.port() + "/");
            System.out.println("  journal: " + engine.context().journalDir().getAbsolutePath() +
                "   demo feed: " + (ticksPerSecond > 0 ? ticksPerSecond + " ticks/s over " + instruments +
                " instruments" : "off"));
            if (null == System.getProperty("push.edge.auth.jwt.secret") &&
                null == System.getProperty("push.edge.auth.jwt.secret.file"))
            {
                System.out.println("  AUTHENTICATION OFF (demo): anyone who reaches this port may read every topic " +
                    "and publish; set push.edge.auth.jwt.secret for production (README: Security).");
            }
            System.out.println("  Ctrl-C to stop.");
            System.out.println();
            barrier.await();
        }
        finally
        {
            System.out.println("Shutting down...");
            CloseHelper.closeAll(feedRunner, sharedRunner, edge, engine, barrier); // no drain: the engine stops too
            if (sharedAgents instanceof CallerRunsDutyCycle)
            {
                AgentWakeups.forStream(engine.context().ingressChannel(), engine.context().ingressStreamId())
                    .uncoveredBy((CallerRunsDutyCycle)sharedAgents);
            }

        }
    }

    private static boolean isIpc(final String channel)
    {
        return channel.startsWith("aeron:ipc");
    }

    /**
     * Every stream is IPC and every producer in this process: the media driver's thread only keeps the IPC
     * publications' limits (it stays awake while events flow) and the clients' leases, nothing needs its async
     * executor (name resolution for UDP), and the Aeron clients' conductors only see image changes and send
     * keepalives. So each sleeps up to {@link #IPC_CONDUCTOR_MAX_PARK_MS} when idle, unless Aeron's own property
     * says otherwise; the engine's and the edge's agents, woken by their producers, park up to
     * {@link IdleStrategies#ALL_IN_PROCESS_MAX_PARK_US_DEFAULT}.
     */
    private static void quietWhenIdle(final PushEngine.Context engineCtx)
    {
        final long maxParkNs = TimeUnit.MILLISECONDS.toNanos(IPC_CONDUCTOR_MAX_PARK_MS);
        engineCtx.mediaDriverIdleStrategy(
            new BackoffIdleStrategy(10, 0, TimeUnit.MILLISECONDS.toNanos(1), maxParkNs));
        if (null == System.getProperty(Configuration.ASYNC_EXECUTOR_ENABLED_PROP_NAME))
        {
            System.setProperty(Configuration.ASYNC_EXECUTOR_ENABLED_PROP_NAME, "false");
        }
        if (null == System.getProperty(Aeron.Configuration.IDLE_SLEEP_DURATION_PROP_NAME))
        {
            System.setProperty(Aeron.Configuration.IDLE_SLEEP_DURATION_PROP_NAME, IPC_CONDUCTOR_MAX_PARK_MS + "ms");
        }
    }
}
