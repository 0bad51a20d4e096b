package io.pushengine.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer's ring cuts a registered consumer's park short; an unregistered thread is not woken; both ends of a
 * stream find the same bell.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AgentWakeupsTest
{
    private static final long PARK_NS = TimeUnit.MINUTES.toNanos(10);

    @Test
    void bothEndsOfAStreamShareOneBell()
    {
        assertSame(AgentWakeups.forStream("aeron:ipc", 1001), AgentWakeups.forStream("aeron:ipc", 1001));
    }

    @Test
    void ringingWakesARegisteredParkedThread() throws Exception
    {
        final AgentWakeups.Wakeup wakeup = new AgentWakeups.Wakeup();
        final CountDownLatch registered = new CountDownLatch(1);
        final CountDownLatch woken = new CountDownLatch(1);
        final Thread consumer = new Thread(() ->
        {
            wakeup.register(Thread.currentThread());
            registered.countDown();
            LockSupport.parkNanos(PARK_NS); // an agent's idle park; a ring ends it (or a ring before it skips it)
            woken.countDown();
        });
        consumer.start();
        registered.await();

        wakeup.wake();

        assertTrue(woken.await(20, TimeUnit.SECONDS), "the ring ended a 10 minute park");
        consumer.join();
    }

    @Test
    void anUnregisteredThreadIsNotWoken() throws Exception
    {
        final AgentWakeups.Wakeup wakeup = new AgentWakeups.Wakeup();
        final CountDownLatch unregistered = new CountDownLatch(1);
        final CountDownLatch woken = new CountDownLatch(1);
        final Thread consumer = new Thread(() ->
        {
            wakeup.register(Thread.currentThread());
            wakeup.unregister(Thread.currentThread());
            unregistered.countDown();
            LockSupport.parkNanos(PARK_NS);
            woken.countDown();
        });
        consumer.start();
        unregistered.await();
        wakeup.wake();
        assertTrue(!woken.await(200, TimeUnit.MILLISECONDS), "not registered any more: still parked");
        LockSupport.unpark(consumer);
        consumer.join();
    }
}
