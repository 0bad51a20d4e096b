package io.pushengine.edge.fanout;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Correlation ids of the journal replays one fan-out asks for (resumes and stream-gap recovery): a random
 * per-fan-out start in the upper half, so the replays of edges sharing a replay stream do not answer each other.
 * Fan-out thread.
 */
final class ReplayCorrelationIds
{
    private long last = (ThreadLocalRandom.current().nextLong() & 0x7FFF_FFFFL) << 32;

    long next()
    {
        return ++last;
    }
}
