package io.pushengine.edge.fanout;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Counters the fan-out agent updates (single writer).
 */
public record FanOutCounters(
    AtomicCounter eventsIn,
    AtomicCounter eventsOut,
    AtomicCounter slowConsumerDisconnects,
    AtomicCounter malformedStreamMessages,
    AtomicCounter heartbeatsSent,
    AtomicCounter conflated)
{
}
