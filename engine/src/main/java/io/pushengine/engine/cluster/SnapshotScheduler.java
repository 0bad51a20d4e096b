package io.pushengine.engine.cluster;

import io.aeron.cluster.ClusterControl;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

import java.util.function.BooleanSupplier;

/**
 * Takes a cluster snapshot every interval, so a member restarts from its newest snapshot plus the log after it
 * rather than the whole log: every member runs one, and the one that leads when the interval is up sets its
 * consensus module's control toggle to {@code SNAPSHOT} (what Aeron's {@code ClusterTool snapshot} does by hand); the
 * cluster then snapshots on every member at the same log position. A toggle already set (a snapshot or another
 * action under way) is left alone until the next interval.
 */
final class SnapshotScheduler implements Agent
{
    private final CountersReader counters;
    private final long intervalNs;
    private final BooleanSupplier isLeader;
    private final NanoClock clock;
    private long nextNs;
    private AtomicCounter controlToggle;

    SnapshotScheduler(
        final CountersReader counters, final long intervalNs, final BooleanSupplier isLeader, final NanoClock clock)
    {
        this.counters = counters;
        this.intervalNs = intervalNs;
        this.isLeader = isLeader;
        this.clock = clock;
        this.nextNs = clock.nanoTime() + intervalNs;
    }

    public String roleName()
    {
        return "cluster-snapshot-scheduler";
    }

    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        if (nowNs - nextNs < 0)
        {
            return 0;
        }
        nextNs = nowNs + intervalNs;
        if (!isLeader.getAsBoolean())
        {
            return 0;
        }
        if (null == controlToggle)
        {
            controlToggle = ClusterControl.findControlToggle(counters, 0);
            if (null == controlToggle)
            {
                return 0;
            }
        }
        return ClusterControl.ToggleState.SNAPSHOT.toggle(controlToggle) ? 1 : 0;
    }
}
