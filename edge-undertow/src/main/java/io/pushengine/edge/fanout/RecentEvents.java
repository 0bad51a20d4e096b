package io.pushengine.edge.fanout;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The edge's in-memory window of the most recent events, in global sequence order, as received from the engine:
 * a circular log of encoded {@code Event} messages indexed by sequence. Resuming clients are served from here when
 * their sequence is recent enough; older resumes go to the engine's journal. Bounded by bytes and by event count;
 * appending evicts the oldest. Fan-out thread only.
 */
final class RecentEvents
{
    private final UnsafeBuffer log;
    private final int[] offsets;
    private final int[] lengths;
    private final int mask;
    private long first = 1;
    private long last;
    private int writePosition;

    /**
     * @param capacityBytes  size of the log.
     * @param capacityEvents most events indexed (power of two).
     */
    RecentEvents(final int capacityBytes, final int capacityEvents)
    {
        if (Integer.bitCount(capacityEvents) != 1)
        {
            throw new IllegalArgumentException("event capacity must be a power of two: " + capacityEvents);
        }
        log = new UnsafeBuffer(ByteBuffer.allocateDirect(capacityBytes));
        offsets = new int[capacityEvents];
        lengths = new int[capacityEvents];
        mask = capacityEvents - 1;
    }

    /**
     * Oldest sequence held; greater than {@link #last()} when empty.
     */
    long first()
    {
        return first;
    }

    /**
     * Newest sequence held (0 before any).
     */
    long last()
    {
        return last;
    }

    boolean contains(final long sequence)
    {
        return sequence >= first && sequence <= last;
    }

    void append(final long sequence, final DirectBuffer buffer, final int offset, final int length)
    {
        if (sequence != last + 1 || length > log.capacity())
        {
            first = sequence; // a jump in the stream (or an event that cannot fit): start again, empty
            last = sequence - 1;
            writePosition = 0;
        }
        if (length > log.capacity())
        {
            first = sequence + 1;
            last = sequence;
            return;
        }
        if (writePosition + length > log.capacity())
        {
            // what lies beyond the write position is from the previous lap, the oldest: wrapping overwrites it
            while (first <= last && offsets[(int)first & mask] >= writePosition)
            {
                first++;
            }
            writePosition = 0;
        }
        while (first <= last && (last - first + 1 >= offsets.length || overlaps(first, writePosition, length)))
        {
            first++;
        }
        log.putBytes(writePosition, buffer, offset, length);
        final int slot = (int)sequence & mask;
        offsets[slot] = writePosition;
        lengths[slot] = length;
        writePosition += length;
        last = sequence;
    }

    /**
     * The log, to read an event at {@link #offset(long)} for {@link #length(long)} bytes; valid for sequences that
     * {@link #contains(long)}, until the next append.
     */
    DirectBuffer buffer()
    {
        return log;
    }

    int offset(final long sequence)
    {
        return offsets[(int)sequence & mask];
    }

    int length(final long sequence)
    {
        return lengths[(int)sequence & mask];
    }

    private boolean overlaps(final long sequence, final int position, final int length)
    {
        final int start = offsets[(int)sequence & mask];
        final int end = start + lengths[(int)sequence & mask];
        return start < position + length && position < end;
    }
}
