package io.pushengine.edge.http;

import org.jctools.maps.NonBlockingHashMapLong;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Publishes offered to the engine and not yet answered, by correlation id: put on IO threads before the offer, taken
 * once, by the fan-out thread's acknowledgement or refusal, by the publish's deadline, or by its connection's close,
 * whichever comes first. A batch is two entries: its first event's (for its first sequences) and its last's.
 * <p>
 * An entry goes in the slot its id names ({@code id & (slots - 1)}); ids are given in order, so a slot is taken again
 * only {@code slots} publishes later and is normally free by then. An id whose slot is still held goes to an
 * overflow map. Why not only a map: JCTools' {@code NonBlockingHashMapLong}, the map before, leaves a tombstone
 * per removed key and, when keys never repeat, resizes by doubling while it has resized in the last ten seconds:
 * at 30,000 publishes/s it grew to 512 Ki slots (12 MB) for a few hundred entries, and every resize allocated and
 * copied a table that size (profiled: 21 B per publish on average).
 * <p>
 * Taking is decided on the entry, not the slot: an entry holds the id it is awaited under and whoever takes it swaps
 * that id for 0 first. A taker that read a slot, then lost the race to the entry's deadline while the entry was
 * answered, reused for a later publish under another id and put back in the same slot, finds a different id there
 * and takes nothing.
 * <p>
 * Threading: {@link #put} on the IO thread that offers; {@link #take} from any thread.
 */
final class AwaitingAcks
{
    /**
     * Slots by default: 64 KiB of references. A slot is held again only by a publish that many later.
     */
    static final int DEFAULT_SLOTS = 16 * 1024;

    /**
     * A publish awaiting its answer from the engine.
     */
    abstract static class Entry
    {
        private static final VarHandle AWAITED_ID;

        static
        {
            try
            {
                AWAITED_ID = MethodHandles.lookup().findVarHandle(Entry.class, "awaitedId", long.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        private volatile long awaitedId; // 0 when not awaited: correlation ids are never 0

        /**
         * Fan-out thread, once taken: the engine journaled it.
         */
        abstract void acknowledge(long globalSequence, String topicName, long topicSequence);

        /**
         * Fan-out thread, once taken: the engine refused it.
         */
        abstract void refuse(String reason);

        private boolean claim(final long correlationId)
        {
            return AWAITED_ID.compareAndSet(this, correlationId, 0L);
        }
    }

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;
    private final NonBlockingHashMapLong<Entry> overflow = new NonBlockingHashMapLong<>();
    private final AtomicInteger inOverflow = new AtomicInteger(); // the fast check before the map

    AwaitingAcks(final int slots)
    {
        if (slots < 1 || Integer.bitCount(slots) != 1)
        {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        this.slots = new AtomicReferenceArray<>(slots);
        this.mask = slots - 1;
    }

    /**
     * Await {@code entry} under {@code correlationId}, before it is offered. The entry must not be awaited already.
     */
    void put(final long correlationId, final Entry entry)
    {
        if (0 == correlationId)
        {
            throw new IllegalArgumentException("correlation id 0");
        }
        entry.awaitedId = correlationId;
        if (!slots.compareAndSet(slot(correlationId), null, entry))
        {
            inOverflow.incrementAndGet();
            overflow.put(correlationId, entry);
        }
    }

    /**
     * @return the entry awaited under {@code correlationId}, no longer awaited, or null if there is none (never
     * offered, or taken already).
     */
    Entry take(final long correlationId)
    {
        final int slot = slot(correlationId);
        final Entry entry = slots.get(slot);
        if (null != entry && entry.claim(correlationId))
        {
            slots.compareAndSet(slot, entry, null); // only its claimer empties it: it is still there
            return entry;
        }
        if (inOverflow.get() > 0)
        {
            final Entry spilled = overflow.get(correlationId);
            if (null != spilled && spilled.claim(correlationId))
            {
                overflow.remove(correlationId, spilled);
                inOverflow.decrementAndGet();
                return spilled;
            }
        }
        return null;
    }

    /**
     * @return how many entries are in the overflow map now (their slot was held when they were put). Counts the map:
     * for tests and reports, not for a hot path.
     */
    int overflowed()
    {
        return overflow.size();
    }

    private int slot(final long correlationId)
    {
        return (int)correlationId & mask;
    }
}
