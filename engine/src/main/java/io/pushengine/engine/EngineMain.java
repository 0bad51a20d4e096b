package io.pushengine.engine;

import io.pushengine.engine.metrics.EngineMetricsServer;
import org.agrona.concurrent.ShutdownSignalBarrier;

/**
 * The {@code engine} role on its own: media driver, journal, sequencer and replay service, serving edges and
 * publishers over the Aeron channels it is configured with ({@code push.events.channel},
 * {@code push.ingress.channel}; UDP when edges run in other processes), with its metrics on a port of its own
 * ({@link EngineMetricsServer}: {@code push.engine.metrics.port}, default 9180). Prints one line starting
 * {@value #READY_LINE} once it is serving, then runs until SIGINT/SIGTERM.
 * <p>
 * A restart after a crash (even {@code kill -9}) recovers from the journal: sequences continue after the last
 * journaled event and topic numbers are unchanged. A publish acknowledged before the crash was journaled before
 * it was acknowledged, so it is still there; one not acknowledged may or may not have been journaled.
 */
public final class EngineMain
{
    public static final String READY_LINE = "push-engine ready";

    private EngineMain()
    {
    }

    public static void main(final String[] args)
    {
        System.setProperty("chronicle.analytics.disable", "true");
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            PushEngine engine = PushEngine.launch(new PushEngine.Context());
            EngineMetricsServer metrics = EngineMetricsServer.startFromSystemProperties(
                engine.aeron().countersReader()))
        {
            System.out.println(READY_LINE + " lastGlobalSequence=" + engine.lastGlobalSequence() +
                " journal=" + engine.context().journalDir().getAbsolutePath() +
                " events=" + engine.context().eventsChannel() + " ingress=" + engine.context().ingressChannel() +
                " aeronDir=" + engine.aeronDirectoryName() + " metrics=" + (null == metrics ? "off" : metrics.url()));
            System.out.flush();
            barrier.await();
        }
        catch (final IllegalArgumentException | java.io.UncheckedIOException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
    }
}
