package io.pushengine.edge.fanout;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Counters the fan-out agent updates (single writer), one per outcome of every backpressure policy.
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
    AtomicCounter recycleCloses)
{
}
