package io.pushengine.engine.sequencer;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where the sequencer tells in-process publishers which global sequence their request got, once journaled.
 * <p>
 * A fixed table of {@code (correlationId, globalSequence)} slots indexed by {@code correlationId & mask}. One writer
 * (the sequencer) and any number of readers; a reader validates the slot like a seqlock (correlation, sequence,
 * correlation again). A slot can be overwritten by a later request that maps to it, so a waiter that is more than
 * {@code capacity} requests late sees its answer gone and reports a timeout; size the table for the number of
 * concurrent waiters, not the rate.
 */
public final class AckTable
{
    /** No answer (yet) for this correlation id. */
    public static final long NOT_FOUND = -1;
    /** The sequencer refused the request (undeclared topic, payload too large). */
    public static final long REJECTED = -2;

    private final AtomicLongArray slots;
    private final int mask;

    public AckTable(final int capacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        slots = new AtomicLongArray(capacity * 2);
        mask = capacity - 1;
    }

    /**
     * Sequencer thread only.
     */
    public void acknowledge(final long correlationId, final long globalSequence)
    {
        final int index = ((int)correlationId & mask) << 1;
        slots.setRelease(index, 0);
        slots.setRelease(index + 1, globalSequence);
        slots.setRelease(index, correlationId);
    }

    /**
     * @return the global sequence for {@code correlationId}, or {@link #NOT_FOUND} if not (or no longer) there.
     */
    public long sequenceOf(final long correlationId)
    {
        final int index = ((int)correlationId & mask) << 1;
        if (slots.getAcquire(index) != correlationId)
        {
            return NOT_FOUND;
        }
        final long sequence = slots.getAcquire(index + 1);
        return slots.getAcquire(index) == correlationId ? sequence : NOT_FOUND;
    }
}
