package io.pushengine.engine.cluster;

import io.pushengine.engine.metrics.EngineMetricsServer;
import org.agrona.concurrent.ShutdownSignalBarrier;

/**
 * The {@code cluster-node} role: one member of a replicated sequencer ({@link ClusterNode}), configured by
 * {@code push.cluster.*} properties, with its metrics ({@code push_engine_cluster_role} and the sequencer's
 * counters) on {@code push.engine.metrics.port}. Prints one line starting {@value #READY_LINE} once its parts run,
 * and one line starting {@value #ROLE_LINE} at every change of role, then runs until SIGINT/SIGTERM.
 */
public final class ClusterNodeMain
{
    public static final String READY_LINE = "push-cluster-node ready";
    public static final String ROLE_LINE = "push-cluster-node role";

    private ClusterNodeMain()
    {
    }

    public static void main(final String[] args)
    {
        System.setProperty("chronicle.analytics.disable", "true");
        final java.util.concurrent.atomic.AtomicReference<RuntimeException> startFailure =
            new java.util.concurrent.atomic.AtomicReference<>();
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            ClusterNode node = ClusterNode.launch(new ClusterNode.Context()
                .startFailureHandler(ex ->
                {
                    startFailure.set(ex);
                    barrier.signal();
                })
                .roleListener((role, memberId) ->
                {
                    System.out.println(ROLE_LINE + " member=" + memberId + " " + ClusterNode.roleName(role));
                    System.out.flush();
                }));
            EngineMetricsServer metrics = EngineMetricsServer.startFromSystemProperties(node.countersReader()))
        {
            final ClusterNode.Context ctx = node.context();
            System.out.println(READY_LINE + " member=" + ctx.memberId() + " of " + ctx.hosts().size() +
                " dir=" + ctx.memberDir().getAbsolutePath() + " ingress=" + ctx.ingressEndpoints() +
                " aeronDir=" + ctx.aeronDirectoryName() + " metrics=" + (null == metrics ? "off" : metrics.url()));
            System.out.flush();
            barrier.await();
        }
        catch (final IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
        if (null != startFailure.get())
        {
            System.err.println(startFailure.get().getMessage());
            System.exit(2);
        }
    }
}
