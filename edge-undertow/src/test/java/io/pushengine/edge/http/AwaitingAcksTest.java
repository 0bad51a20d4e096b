package io.pushengine.edge.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table of publishes awaiting their answer: each is taken once, by its own id only, also when its slot is held,
 * and also when its object comes back under a later id in the same slot.
 */
class AwaitingAcksTest
{
    private static final long FIRST_ID = 5L << 32;

    @Test
    void anEntryIsTakenOnceAndOnlyByItsId()
    {
        final AwaitingAcks acks = new AwaitingAcks(8);
        final Publish publish = new Publish();
        acks.put(FIRST_ID, publish);

        assertNull(acks.take(FIRST_ID + 1), "taken by another id");
        assertSame(publish, acks.take(FIRST_ID));
        assertNull(acks.take(FIRST_ID), "taken twice: a late acknowledgement after the deadline's 504");
    }

    @Test
    void anIdWhoseSlotIsHeldGoesToTheOverflowAndIsTakenFromIt()
    {
        final AwaitingAcks acks = new AwaitingAcks(8);
        final Publish slow = new Publish();
        final Publish later = new Publish();
        acks.put(FIRST_ID, slow);
        acks.put(FIRST_ID + 8, later); // same slot, still held by the slow one

        assertEquals(1, acks.overflowed());
        assertSame(later, acks.take(FIRST_ID + 8));
        assertEquals(0, acks.overflowed());
        assertSame(slow, acks.take(FIRST_ID));
        assertNull(acks.take(FIRST_ID + 8));
    }

    @Test
    void anObjectReusedUnderALaterIdInTheSameSlotIsNotTakenByItsOldId()
    {
        final AwaitingAcks acks = new AwaitingAcks(8);
        final Publish publish = new Publish();
        acks.put(FIRST_ID, publish);
        assertSame(publish, acks.take(FIRST_ID)); // its deadline took it; answered 504, kept for the next publish
        acks.put(FIRST_ID + 8, publish);

        assertNull(acks.take(FIRST_ID), "the acknowledgement of the first publish completed the second");
        assertSame(publish, acks.take(FIRST_ID + 8));
    }

    @Test
    void idZeroAndSlotCountsThatAreNotPowersOfTwoAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new AwaitingAcks(12));
        assertThrows(IllegalArgumentException.class, () -> new AwaitingAcks(8).put(0, new Publish()));
    }

    @Test
    void twoTakersRacingForEveryIdTakeEachEntryExactlyOnce() throws Exception
    {
        final int count = 200_000;
        final AwaitingAcks acks = new AwaitingAcks(64); // small: many ids overflow while the takers lag
        final Publish[] publishes = new Publish[count];
        for (int i = 0; i < count; i++)
        {
            publishes[i] = new Publish();
        }
        final AtomicInteger taken = new AtomicInteger();
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> takers = new ArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            final Thread taker = new Thread(() ->
            {
                try
                {
                    start.await();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                for (int i = 0; i < count; i++)
                {
                    final long id = FIRST_ID + i;
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (publishes[i].putDone == 0 && System.nanoTime() < deadline)
                    {
                        Thread.onSpinWait();
                    }
                    final AwaitingAcks.Entry entry = acks.take(id);
                    if (null != entry)
                    {
                        ((Publish)entry).takenTimes.incrementAndGet();
                        taken.incrementAndGet();
                    }
                }
            });
            taker.start();
            takers.add(taker);
        }
        start.countDown();
        for (int i = 0; i < count; i++)
        {
            acks.put(FIRST_ID + i, publishes[i]);
            publishes[i].putDone = 1;
        }
        for (final Thread taker : takers)
        {
            taker.join(TimeUnit.SECONDS.toMillis(30));
        }

        assertEquals(count, taken.get(), "entries taken");
        for (int i = 0; i < count; i++)
        {
            assertEquals(1, publishes[i].takenTimes.get(), "publish " + i + " taken");
        }
        assertEquals(0, acks.overflowed());
        assertTrue(takers.stream().noneMatch(Thread::isAlive));
    }

    private static final class Publish extends AwaitingAcks.Entry
    {
        final AtomicInteger takenTimes = new AtomicInteger();
        volatile int putDone;

        void acknowledge(final long globalSequence, final String topicName, final long topicSequence)
        {
        }

        void refuse(final String reason)
        {
        }
    }
}
