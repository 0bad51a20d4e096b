package io.pushengine.edge.fanout;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.CloseCodes;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The fan-out's duties by time over its sessions: heartbeats, the idle timeout, the lag bound and falls out of the
 * shared log (slow consumers; conflating ones skip ahead, and what they missed is owed again), ring release, connection recycling and the drain. Owns the drain's state and the
 * spreading of closes (a hash of the session id places each one in the drain window or the last fifth of its
 * maximum age, so connections opened or drained together do not leave together).
 * <p>
 * Threading: {@link #drain} from any thread; the rest on the fan-out thread, stepped by {@link #doWork} with the
 * fan-out's clock, so a test drives it without threads.
 */
final class SessionHousekeeping
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionHousekeeping.class);
    private static final long INTERVAL_MAX_NS = TimeUnit.MILLISECONDS.toNanos(250);
    /**
     * A shared-log reader with nothing of its own waiting is asked to read through to the head once its cursor is
     * this many events behind (a pass skips them by topic number and sends nothing).
     */
    static final long IDLE_READER_NUDGE_EVENTS = 1024;

    private final FanOutAgent.Timeouts timeouts;
    private final FanOutCounters counters;
    private final EpochNanoClock epochClock;
    private final Consumer<ClientSession> forget;
    private final Predicate<ClientSession> takeLappedReport;
    private final long intervalNs;
    private long nextNs;
    private volatile long drainWindowNsRequested = -1;
    private volatile long drainReconnectJitterMs;
    private long drainWindowNs = -1;
    private long drainStartNs;

    /**
     * @param forget           takes a session out of the fan-out (called after it is asked to close).
     * @param takeLappedReport acts on what a conflating session's IO thread skipped in the shared log, if it
     *                         left a report ({@link DeliveryPolicies#takeLappedReport}).
     */
    SessionHousekeeping(
        final FanOutAgent.Timeouts timeouts,
        final FanOutCounters counters,
        final EpochNanoClock epochClock,
        final Consumer<ClientSession> forget,
        final Predicate<ClientSession> takeLappedReport)
    {
        this.takeLappedReport = takeLappedReport;
        this.timeouts = timeouts;
        this.counters = counters;
        this.epochClock = epochClock;
        this.forget = forget;
        this.intervalNs = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
            Math.min(INTERVAL_MAX_NS, timeouts.heartbeatIntervalNs() / 4));
    }

    /**
     * Start draining (any thread, once): see {@link FanOutAgent#drain}. Takes effect at the next pass.
     */
    void drain(final long windowNs, final long reconnectJitterMs)
    {
        drainReconnectJitterMs = reconnectJitterMs;
        drainWindowNsRequested = Math.max(0, windowNs);
    }

    /**
     * True once a drain has started. Fan-out thread.
     */
    boolean isDraining()
    {
        return drainWindowNs >= 0;
    }

    /**
     * Every quarter heartbeat interval (at most 250 ms): drain and recycle closes, heartbeats to quiet connections,
     * idle timeout, fall out of the shared log, lag bound, ring release. A session closed here is forgotten at once
     * (the fan-out gives it nothing more). Fan-out thread.
     *
     * @param sessions the fan-out's sessions; forgetting one may move the last into its place (walked backwards).
     * @return sessions acted on.
     */
    int doWork(final long nowNs, final List<ClientSession> sessions, final long lastGlobalSequence)
    {
        if (nowNs - nextNs < 0)
        {
            return 0;
        }
        nextNs = nowNs + intervalNs;
        if (drainWindowNs < 0 && drainWindowNsRequested >= 0)
        {
            drainWindowNs = drainWindowNsRequested;
            drainStartNs = nowNs;
            LOG.info("draining {} sessions over {} ms", sessions.size(), TimeUnit.NANOSECONDS.toMillis(drainWindowNs));
        }
        final long epochNs = epochClock.nanoTime();
        int work = 0;
        for (int i = sessions.size() - 1; i >= 0; i--)
        {
            final ClientSession session = sessions.get(i);
            if (drainWindowNs >= 0 && nowNs - drainStartNs >= drainOffsetNs(session.sessionId()))
            {
                counters.drainCloses().increment(); // IO threads count here too
                session.requestClose(CloseCodes.GOING_AWAY, "edge draining: reconnect to another edge; " +
                    "retry-after-ms=" + ThreadLocalRandom.current().nextLong(drainReconnectJitterMs + 1));
                forget.accept(session);
                work++;
                continue;
            }
            if (timeouts.maxConnectionAgeNs() > 0 && session.isLongLived() &&
                nowNs - session.openedNs() >= recycleAgeNs(session.sessionId()))
            {
                counters.recycleCloses().incrementRelease();
                session.requestClose(CloseCodes.GOING_AWAY, "connection recycled after " +
                    TimeUnit.NANOSECONDS.toMillis(nowNs - session.openedNs()) + " ms: reconnect and resume; " +
                    "retry-after-ms=" + ThreadLocalRandom.current().nextLong(timeouts.reconnectJitterMs() + 1));
                forget.accept(session);
                work++;
                continue;
            }
            if (nowNs - session.lastOfferNs() >= timeouts.heartbeatIntervalNs())
            {
                session.requestHeartbeat(epochNs, lastGlobalSequence);
                session.heartbeatRequested(nowNs);
                counters.heartbeatsSent().incrementRelease();
                work++;
            }

            final long idleSinceNs = session.idleSinceNs();
            if (0 != idleSinceNs && timeouts.idleTimeoutNs() > 0 && nowNs - idleSinceNs > timeouts.idleTimeoutNs())
            {
                counters.idleCloses().incrementRelease();
                session.requestClose(CloseCodes.NORMAL, "idle: no subscription for " +
                    TimeUnit.NANOSECONDS.toMillis(timeouts.idleTimeoutNs()) + " ms");
                forget.accept(session);
                work++;
                continue;
            }

            if (takeLappedReport.test(session))
            {
                work++; // a conflating one skipped ahead: the latest values it missed are owed again
            }

            if (session.hasFallenOutOfSharedLog())
            {
                counters.slowConsumerDisconnects().increment(); // IO threads count here too
                session.requestClose(CloseCodes.TRY_AGAIN_LATER, "slow consumer: fell out of the edge's " +
                    "window of recent events; reconnect with from=N, N the last sequence you received");
                forget.accept(session);
                work++;
                continue;
            }

            if (session.isIdleFarBehindInSharedLog(IDLE_READER_NUDGE_EVENTS))
            {
                session.requestFlush(); // its topics are quiet, others are not: move its cursor up before it is lapped
                work++;
            }

            if (session.bufferedBytes() > 0 && nowNs - session.lastProgressNs() > timeouts.maxLagNs() &&
                hasDisconnectSubscription(session))
            {
                counters.lagDisconnects().incrementRelease();
                session.requestClose(CloseCodes.TRY_AGAIN_LATER, "slow consumer: took nothing for " +
                    TimeUnit.NANOSECONDS.toMillis(nowNs - session.lastProgressNs()) + " ms; reconnect with from=" +
                    session.lastOfferedSequence());
                forget.accept(session);
                work++;
                continue;
            }

            if (session.releaseRingIfIdle(nowNs, timeouts.ringReleaseNs()))
            {
                work++;
            }
        }
        return work;
    }

    /**
     * The age at which a session is recycled: somewhere in the last fifth of the maximum, fixed per session by a hash
     * of its id, so the connections opened together (after a deploy) leave spread out, not together.
     */
    private long recycleAgeNs(final long sessionId)
    {
        final long spreadNs = timeouts.maxConnectionAgeNs() / 5;
        if (0 == spreadNs)
        {
            return timeouts.maxConnectionAgeNs();
        }
        long h = sessionId * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        return timeouts.maxConnectionAgeNs() - (h & Long.MAX_VALUE) % spreadNs;
    }

    /**
     * Where in the drain window a session is closed: a hash of its id, so evenly spread and fixed per session.
     */
    private long drainOffsetNs(final long sessionId)
    {
        if (0 == drainWindowNs)
        {
            return 0;
        }
        long h = sessionId * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        return (h & Long.MAX_VALUE) % drainWindowNs;
    }

    private static boolean hasDisconnectSubscription(final ClientSession session)
    {
        final List<TopicSubscription> subscriptions = session.subscriptions();
        for (int i = 0, size = subscriptions.size(); i < size; i++)
        {
            if (BackpressurePolicy.DISCONNECT == subscriptions.get(i).kind())
            {
                return true;
            }
        }
        return false;
    }
}
