package io.pushengine.journal;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.NavigableSet;

/**
 * Reads journaled events in order from any global sequence. Not thread-safe (a Chronicle tailer underneath).
 */
public final class JournalReader implements AutoCloseable
{
    /** {@link #seek(long)}: positioned at the requested sequence. */
    public static final int FOUND = 0;
    /** {@link #seek(long)}: the sequence is older than the oldest retained event; positioned at the oldest. */
    public static final int BEFORE_START = 1;
    /** {@link #seek(long)}: the sequence is not journaled yet; positioned at the end. */
    public static final int AFTER_END = 2;

    private static final int EVENT_BODY_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH;

    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final RollCycle rollCycle;
    private final UnsafeBuffer readBuffer = new UnsafeBuffer(new byte[1024]);

    JournalReader(final SingleChronicleQueue queue)
    {
        this.queue = queue;
        this.tailer = queue.createTailer();
        this.tailer.singleThreadedCheckDisabled(true); // its agent's, on whichever thread runs its duty cycle
        this.rollCycle = queue.rollCycle();
    }

    /**
     * Position so that the next event read is {@code globalSequence}. Costs one excerpt read per retained roll
     * cycle at most; allocates a small set of cycle numbers.
     *
     * @return {@link #FOUND}, {@link #BEFORE_START} or {@link #AFTER_END}.
     */
    public int seek(final long globalSequence)
    {
        if (queue.entryCount() == 0)
        {
            tailer.toEnd();
            return AFTER_END;
        }
        final NavigableSet<Long> cycles = queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle());
        for (final Long boxedCycle : cycles.descendingSet())
        {
            final int cycle = boxedCycle.intValue();
            if (!tailer.moveToIndex(rollCycle.toIndex(cycle, 0)))
            {
                continue;
            }
            final long firstSequenceOfCycle = peekSequence();
            if (firstSequenceOfCycle < 0 || globalSequence < firstSequenceOfCycle)
            {
                continue;
            }
            if (tailer.moveToIndex(rollCycle.toIndex(cycle, globalSequence - firstSequenceOfCycle)))
            {
                return FOUND;
            }
            tailer.toEnd();
            return AFTER_END;
        }

        tailer.toStart();
        return peekSequence() < 0 ? AFTER_END : BEFORE_START;
    }

    /**
     * @return the global sequence of the oldest retained event, 0 if the journal is empty. Moves to the start.
     */
    public long oldestSequence()
    {
        tailer.toStart();
        return Math.max(0, peekSequence());
    }

    /**
     * Position at the oldest retained event.
     */
    public void toStart()
    {
        tailer.toStart();
    }

    /**
     * Read up to {@code limit} events from the current position.
     *
     * @return number of events delivered.
     */
    public int read(final JournalEventHandler handler, final int limit)
    {
        int count = 0;
        while (count < limit)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    break;
                }
                final int length = copyExcerpt(dc.wire().bytes());
                count++;
                if (!handler.onJournaledEvent(readBuffer, 0, length))
                {
                    break;
                }
            }
        }
        return count;
    }

    /**
     * Global sequence of the event at the current position without consuming it, or -1 at the end.
     */
    private long peekSequence()
    {
        final long index = tailer.index();
        try (DocumentContext dc = tailer.readingDocument())
        {
            if (!dc.isPresent())
            {
                return -1;
            }
            final Bytes<?> bytes = dc.wire().bytes();
            final long sequence = bytes.readLong(
                bytes.readPosition() + EVENT_BODY_OFFSET + EventDecoder.globalSequenceEncodingOffset());
            dc.rollbackOnClose();
            return sequence;
        }
        finally
        {
            if (tailer.index() != index)
            {
                tailer.moveToIndex(index);
            }
        }
    }

    private int copyExcerpt(final Bytes<?> bytes)
    {
        final int length = (int)bytes.readRemaining();
        if (readBuffer.capacity() < length)
        {
            readBuffer.wrap(new byte[Math.max(length, readBuffer.capacity() * 2)]);
        }
        bytes.read(readBuffer.byteArray(), 0, length);
        return length;
    }

    public void close()
    {
        tailer.close();
    }
}
