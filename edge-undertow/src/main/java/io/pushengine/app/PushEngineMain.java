package io.pushengine.app;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.edge.EdgeServer;
import io.pushengine.engine.EngineMain;
import io.pushengine.engine.PublishResult;
import io.pushengine.engine.PushEngine;
import io.pushengine.engine.Topic;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.util.List;

/**
 * The one runnable artifact, with a role per process:
 * <pre>
 *   java -jar push-engine.jar [embedded]  [--config file]   engine + edge + demo price feed in one JVM (default)
 *   java -jar push-engine.jar engine      [--config file]   media driver, journal, sequencer, replay service
 *   java -jar push-engine.jar edge        [--config file]   an Undertow edge, talking to the engine over Aeron
 *   java -jar push-engine.jar publisher   [--config file]   the demo price feed, published over Aeron
 * </pre>
 * Settings are {@code push.*} system properties, from {@code -D} flags or the config file ({@code -D} wins).
 * <p>
 * Properties of the demo feed (embedded and publisher roles): {@code push.demo.instruments} (default 50) and
 * {@code push.demo.ticks.per.second} (default 2000; 0 disables the feed in the embedded role).
 */
public final class PushEngineMain
{
    static final String USAGE = "usage: java -jar push-engine.jar [embedded|engine|edge|publisher] [--config file]";

    public static void main(final String[] args)
    {
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

        final ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
        final PushEngine engine = PushEngine.launch(new PushEngine.Context());
        EdgeServer edge = null;
        AgentRunner feedRunner = null;
        try
        {
            edge = EdgeServer.launch(new EdgeServer.Context()
                .aeronDirectoryName(engine.aeronDirectoryName())
                .eventsChannel(engine.context().eventsChannel())
                .ingressChannel(engine.context().ingressChannel()));

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
            CloseHelper.closeAll(feedRunner, edge, engine, barrier); // no drain: the engine stops too

        }
    }
}
