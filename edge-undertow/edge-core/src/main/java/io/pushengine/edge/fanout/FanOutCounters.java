package io.pushengine.edge.fanout;

import io.aeron.Aeron;
import io.pushengine.codec.metrics.CounterType;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.IntFunction;

/**
 * Counters the fan-out agent updates (single writer), one per outcome of every backpressure policy. Allocated in
 * the Aeron CnC file ({@link #allocate}), so {@code /metrics}, {@code stat} and AeronStat read them.
 */
public record FanOutCounters(
    AtomicCounter eventsIn,
    AtomicCounter eventsOut,
    AtomicCounter slowConsumerDisconnects,
    AtomicCounter lagDisconnects,
    AtomicCounter malformedStreamMessages,
    AtomicCounter heartbeatsSent,
    AtomicCounter conflated,
    AtomicCounter sharedLogSkips,
    AtomicCounter dropped,
    AtomicCounter gapNotices,
    AtomicCounter throttled,
    AtomicCounter idleCloses,
    AtomicCounter sessions,
    AtomicCounter subscriptions,
    AtomicCounter ringBytes,
    AtomicCounter resumes,
    AtomicCounter resumeResets,
    AtomicCounter replayRequests,
    AtomicCounter replayRetries,
    AtomicCounter eventsResumed,
    AtomicCounter snapshots,
    AtomicCounter snapshotValues,
    AtomicCounter streamGaps,
    AtomicCounter streamGapEventsRecovered,
    AtomicCounter streamGapEventsLost,
    AtomicCounter engineSessions,
    AtomicCounter streamPosition,
    AtomicCounter enginePosition,
    AtomicCounter drainCloses,
    AtomicCounter recycleCloses,
    AtomicCounter streamDuplicates) implements AutoCloseable
{
    /**
     * One counter per field, labelled {@code label}, allocated through {@code aeron}; close them with {@link #close()}.
     */
    public static FanOutCounters allocate(final Aeron aeron, final String label)
    {
        return allocate(typeId -> CounterType.get(typeId).allocate(aeron::addCounter, label));
    }

    /**
     * One counter per field from {@code newCounter} (given the field's {@link CounterType} id): for a counters
     * manager of one's own, e.g. {@code typeId -> manager.newCounter("fan-out", typeId)} in a test or benchmark.
     */
    public static FanOutCounters allocate(final IntFunction<AtomicCounter> newCounter)
    {
        return new FanOutCounters(
            newCounter.apply(CounterType.EDGE_EVENTS_IN.typeId()),
            newCounter.apply(CounterType.EDGE_EVENTS_OUT.typeId()),
            newCounter.apply(CounterType.EDGE_SLOW_CONSUMER_DISCONNECTS.typeId()),
            newCounter.apply(CounterType.EDGE_LAG_DISCONNECTS.typeId()),
            newCounter.apply(CounterType.EDGE_MALFORMED_STREAM_MESSAGES.typeId()),
            newCounter.apply(CounterType.EDGE_HEARTBEATS_SENT.typeId()),
            newCounter.apply(CounterType.EDGE_CONFLATED.typeId()),
            newCounter.apply(CounterType.EDGE_SHARED_LOG_SKIPS.typeId()),
            newCounter.apply(CounterType.EDGE_DROPPED.typeId()),
            newCounter.apply(CounterType.EDGE_GAP_NOTICES.typeId()),
            newCounter.apply(CounterType.EDGE_THROTTLED.typeId()),
            newCounter.apply(CounterType.EDGE_IDLE_CLOSES.typeId()),
            newCounter.apply(CounterType.EDGE_SESSIONS.typeId()),
            newCounter.apply(CounterType.EDGE_SUBSCRIPTIONS.typeId()),
            newCounter.apply(CounterType.EDGE_RING_BYTES.typeId()),
            newCounter.apply(CounterType.EDGE_RESUMES.typeId()),
            newCounter.apply(CounterType.EDGE_RESUME_RESETS.typeId()),
            newCounter.apply(CounterType.EDGE_REPLAY_REQUESTS.typeId()),
            newCounter.apply(CounterType.EDGE_REPLAY_RETRIES.typeId()),
            newCounter.apply(CounterType.EDGE_EVENTS_RESUMED.typeId()),
            newCounter.apply(CounterType.EDGE_SNAPSHOTS.typeId()),
            newCounter.apply(CounterType.EDGE_SNAPSHOT_VALUES.typeId()),
            newCounter.apply(CounterType.EDGE_STREAM_GAPS.typeId()),
            newCounter.apply(CounterType.EDGE_STREAM_GAP_EVENTS_RECOVERED.typeId()),
            newCounter.apply(CounterType.EDGE_STREAM_GAP_EVENTS_LOST.typeId()),
            newCounter.apply(CounterType.EDGE_ENGINE_SESSIONS.typeId()),
            newCounter.apply(CounterType.EDGE_STREAM_POSITION.typeId()),
            newCounter.apply(CounterType.EDGE_ENGINE_POSITION.typeId()),
            newCounter.apply(CounterType.EDGE_DRAIN_CLOSES.typeId()),
            newCounter.apply(CounterType.EDGE_RECYCLE_CLOSES.typeId()),
            newCounter.apply(CounterType.EDGE_STREAM_DUPLICATES.typeId()));
    }

    public void close()
    {
        CloseHelper.closeAll(eventsIn, eventsOut, slowConsumerDisconnects, lagDisconnects, malformedStreamMessages, heartbeatsSent, conflated, sharedLogSkips, dropped, gapNotices, throttled, idleCloses, sessions, subscriptions, ringBytes, resumes, resumeResets, replayRequests, replayRetries, eventsResumed, snapshots, snapshotValues, streamGaps, streamGapEventsRecovered, streamGapEventsLost, engineSessions, streamPosition, enginePosition, drainCloses, recycleCloses, streamDuplicates);
    }
}
