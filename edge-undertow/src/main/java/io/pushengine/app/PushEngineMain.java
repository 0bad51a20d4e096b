package io.pushengine.app;

import io.pushengine.edge.EdgeServer;
import io.pushengine.engine.EngineMain;
import io.pushengine.engine.PushEngine;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

/**
 * The all-in-one process: engine (embedded media driver, journal, sequencer), one edge attached to the same driver,
 * and a simulated price feed. Ctrl-C shuts down in order: feed, edge, engine. {@code java -jar push-engine.jar engine}
 * runs the engine role alone instead ({@link EngineMain}).
 * <p>
 * Properties: everything in {@code EngineConfiguration} and {@code EdgeConfiguration}, plus
 * {@code push.demo.instruments} (default 50) and {@code push.demo.ticks.per.second} (default 2000; 0 disables the
 * feed).
 */
public final class PushEngineMain
{
    public static void main(final String[] args)
    {
        if (args.length > 0 && "engine".equals(args[0]))
        {
            EngineMain.main(args);
            return;
        }
        if (args.length > 0 && !"embedded".equals(args[0]))
        {
            System.err.println("usage: java -jar push-engine.jar [embedded|engine]");
            System.exit(2);
        }
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
                final DemoPriceFeed feed = new DemoPriceFeed(
                    engine, new SystemEpochNanoClock(), instruments, ticksPerSecond);
                feedRunner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, feed);
                AgentRunner.startOnThread(feedRunner);
            }

            System.out.println();
            System.out.println("Push engine running. Live prices: http://" + edge.host() + ":" + edge.port() + "/");
            System.out.println("  journal: " + engine.context().journalDir().getAbsolutePath() +
                "   demo feed: " + (ticksPerSecond > 0 ? ticksPerSecond + " ticks/s over " + instruments +
                " instruments" : "off"));
            System.out.println("  Ctrl-C to stop.");
            System.out.println();
            barrier.await();
        }
        finally
        {
            System.out.println("Shutting down...");
            CloseHelper.closeAll(feedRunner, edge, engine, barrier);
        }
    }
}
