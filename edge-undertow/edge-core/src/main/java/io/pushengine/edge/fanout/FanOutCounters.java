package io.pushengine.edge.fanout;

import io.aeron.Aeron;
import io.pushengine.codec.metrics.CounterType;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

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
    AtomicCounter recycleCloses) implements AutoCloseable
{
    /**
     * One counter per field, labelled {@code label}, allocated through {@code aeron}; close them with {@link #close()}.
     */
    public static FanOutCounters allocate(final Aeron aeron, final String label)
    {
        return new FanOutCounters(
            aeron.addCounter(CounterType.EDGE_EVENTS_IN.typeId(), label),
            aeron.addCounter(CounterType.EDGE_EVENTS_OUT.typeId(), label),
            aeron.addCounter(CounterType.EDGE_SLOW_CONSUMER_DISCONNECTS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_LAG_DISCONNECTS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_MALFORMED_STREAM_MESSAGES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_HEARTBEATS_SENT.typeId(), label),
            aeron.addCounter(CounterType.EDGE_CONFLATED.typeId(), label),
            aeron.addCounter(CounterType.EDGE_DROPPED.typeId(), label),
            aeron.addCounter(CounterType.EDGE_GAP_NOTICES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_THROTTLED.typeId(), label),
            aeron.addCounter(CounterType.EDGE_IDLE_CLOSES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_SESSIONS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_SUBSCRIPTIONS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_RING_BYTES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_RESUMES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_RESUME_RESETS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_REPLAY_REQUESTS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_EVENTS_RESUMED.typeId(), label),
            aeron.addCounter(CounterType.EDGE_SNAPSHOTS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_SNAPSHOT_VALUES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_STREAM_GAPS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_STREAM_GAP_EVENTS_RECOVERED.typeId(), label),
            aeron.addCounter(CounterType.EDGE_STREAM_GAP_EVENTS_LOST.typeId(), label),
            aeron.addCounter(CounterType.EDGE_ENGINE_SESSIONS.typeId(), label),
            aeron.addCounter(CounterType.EDGE_STREAM_POSITION.typeId(), label),
            aeron.addCounter(CounterType.EDGE_ENGINE_POSITION.typeId(), label),
            aeron.addCounter(CounterType.EDGE_DRAIN_CLOSES.typeId(), label),
            aeron.addCounter(CounterType.EDGE_RECYCLE_CLOSES.typeId(), label));
    }

    public void close()
    {
        CloseHelper.closeAll(eventsIn, eventsOut, slowConsumerDisconnects, lagDisconnects, malformedStreamMessages, heartbeatsSent, conflated, dropped, gapNotices, throttled, idleCloses, sessions, subscriptions, ringBytes, resumes, resumeResets, replayRequests, eventsResumed, snapshots, snapshotValues, streamGaps, streamGapEventsRecovered, streamGapEventsLost, engineSessions, streamPosition, enginePosition, drainCloses, recycleCloses);
    }
}
