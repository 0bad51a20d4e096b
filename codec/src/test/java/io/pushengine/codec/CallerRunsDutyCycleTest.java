package io.pushengine.codec;

import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer that is an event loop runs the agent's duty cycle on its loop instead of waking the agent's thread;
 * any other producer wakes it; the cycle runs under the agent's lock until it finds no work, and what it leaves,
 * or a lock held elsewhere, wakes the agent's thread. The test thread is the event loop: its queue is stepped by
 * hand. The agent's thread is a real one, parked for ten minutes, so a wake-up shows (or its absence does).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CallerRunsDutyCycleTest
{
    private static final long PARK_NS = TimeUnit.MINUTES.toNanos(10);

    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
    private final AgentWakeups.Wakeup bell = new AgentWakeups.Wakeup();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean workDueSoon = new AtomicBoolean();

    @BeforeEach
    void thisThreadIsAnEventLoop()
    {
        AgentWakeups.registerEventLoop(Thread.currentThread(), loop::add);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        AgentWakeups.unregisterEventLoop(Thread.currentThread());
        for (final Thread thread : threads)
        {
            thread.interrupt();
            thread.join();
        }
    }

    @Test
    void aRingFromAnEventLoopQueuesOneRunThereAndDoesNotWakeTheAgentThread() throws Exception
    {
        final AtomicInteger cycles = new AtomicInteger();
        final CallerRunsDutyCycle dutyCycle = dutyCycle(() -> cycles.getAndIncrement() < 2 ? 1 : 0);
        final ParkedAgentThread agentThread = startAgentThread(dutyCycle);

        bell.wake();
        bell.wake(); // a second offer before the loop got to the run: still one run

        assertEquals(1, loop.size(), "one run queued on the loop");
        assertEquals(0, cycles.get(), "nothing run inside the producer's own work");
        loop.poll().run();
        assertEquals(3, cycles.get(), "cycles until one found nothing: 1, 1, 0");
        assertFalse(agentThread.wokenWithin(200), "the agent's thread was left parked");
    }

    @Test
    void aRingFromAThreadThatIsNotAnEventLoopWakesTheAgentThread() throws Exception
    {
        final CallerRunsDutyCycle dutyCycle = dutyCycle(() -> 0);
        final ParkedAgentThread agentThread = startAgentThread(dutyCycle);

        final Thread producer = new Thread(bell::wake, "not-a-loop");
        producer.start();
        producer.join();

        assertTrue(agentThread.wokenWithin(20_000), "a producer that is not a loop wakes the agent's thread");
        assertTrue(loop.isEmpty());
    }

    @Test
    void workLeftAfterTheLastRoundWakesTheAgentThread() throws Exception
    {
        final AtomicInteger cycles = new AtomicInteger();
        final CallerRunsDutyCycle dutyCycle = dutyCycle(() ->
        {
            cycles.incrementAndGet();
            return 1; // a backlog: always more
        });
        final ParkedAgentThread agentThread = startAgentThread(dutyCycle);

        bell.wake();
        loop.poll().run();

        assertEquals(CallerRunsDutyCycle.MAX_ROUNDS_PER_RUN, cycles.get(), "the caller stops after its rounds");
        assertTrue(agentThread.wokenWithin(20_000), "the rest is the agent thread's");
    }

    @Test
    void workDueByTimeAfterTheRunWakesTheAgentThread() throws Exception
    {
        final CallerRunsDutyCycle dutyCycle = dutyCycle(() -> 0);
        final ParkedAgentThread agentThread = startAgentThread(dutyCycle);
        workDueSoon.set(true); // e.g. an offer back-pressured in the run, to retry in a millisecond

        bell.wake();
        loop.poll().run();

        assertTrue(agentThread.wokenWithin(20_000), "the agent's thread takes the timed work");
    }

    /**
     * The lost wake-up this guards against: a producer's run finds the lock held by another caller and wakes the
     * agent's thread; the holder had already made its last check for work. If the agent's thread skipped its cycle
     * because the lock was held, the offer would wait for its next park to end.
     */
    @Test
    void theAgentThreadsCycleWaitsForACallersRunAndThenRunsItsOwnAndTheCyclesBellsDoNotWakeIt() throws Exception
    {
        final AgentWakeups.Wakeup otherBell = new AgentWakeups.Wakeup(); // one the cycle rings, as the sequencer
        final AtomicInteger agentThreadsCycle = new AtomicInteger(-1);
        final Thread[] agentsOwnCycle = new Thread[1];
        final CallerRunsDutyCycle[] self = new CallerRunsDutyCycle[1];
        final AtomicInteger cycles = new AtomicInteger();
        self[0] = dutyCycle(() ->
        {
            final int cycle = cycles.getAndIncrement();
            if (0 == cycle)
            {
                otherBell.wake();
                agentsOwnCycle[0] = new Thread(() ->
                {
                    try
                    {
                        agentThreadsCycle.set(self[0].doWork());
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                agentsOwnCycle[0].start();
                awaitWaiting(agentsOwnCycle[0]); // its cycle began while this caller's run holds the lock
                return 1;
            }
            return 1 == cycle ? 0 : 7; // the caller's last check finds nothing; the agent thread's cycle finds 7
        });
        final ParkedAgentThread agentThread = startAgentThread(self[0]);
        otherBell.register(agentThread.thread);

        bell.wake();
        loop.poll().run();
        join(agentsOwnCycle[0]);

        assertEquals(7, agentThreadsCycle.get(), "the agent thread's cycle ran once the caller's run had ended");
        assertEquals(3, cycles.get(), "two cycles on the caller, then one on the agent's thread");
        assertFalse(agentThread.wokenWithin(200), "the bell the running cycle rang did not wake the agent's thread");
    }

    @Test
    void afterCloseARingWakesAsBeforeAndAQueuedRunDoesNothing() throws Exception
    {
        final AtomicInteger cycles = new AtomicInteger();
        final CallerRunsDutyCycle dutyCycle = dutyCycle(cycles::incrementAndGet);
        startAgentThread(dutyCycle);
        bell.wake();

        dutyCycle.onClose();
        loop.poll().run();
        bell.wake();

        assertEquals(0, cycles.get(), "no cycle after close");
        assertTrue(loop.isEmpty(), "nothing queued after close");
    }

    private CallerRunsDutyCycle dutyCycle(final IntSupplier work)
    {
        final CallerRunsDutyCycle dutyCycle = new CallerRunsDutyCycle(new Agent()
        {
            public int doWork()
            {
                return work.getAsInt();
            }

            public String roleName()
            {
                return "test-agent";
            }
        }, Throwable::printStackTrace, null, workDueSoon::get);
        bell.coveredBy(dutyCycle);
        return dutyCycle;
    }

    private ParkedAgentThread startAgentThread(final CallerRunsDutyCycle dutyCycle) throws InterruptedException
    {
        final ParkedAgentThread agentThread = new ParkedAgentThread(dutyCycle);
        threads.add(agentThread.thread);
        agentThread.thread.start();
        agentThread.started.await();
        return agentThread;
    }

    private static void awaitWaiting(final Thread thread)
    {
        while (thread.getState() != Thread.State.WAITING)
        {
            if (!thread.isAlive())
            {
                throw new IllegalStateException("the agent thread's cycle ended while a caller held the lock");
            }
            Thread.onSpinWait();
        }
    }

    private static void join(final Thread thread)
    {
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The agent's thread: starts the duty cycle (so it is its thread), registers for the bell as an agent does, and
     * parks, as an idle agent does, until woken.
     */
    private final class ParkedAgentThread
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch woken = new CountDownLatch(1);
        final Thread thread;

        ParkedAgentThread(final CallerRunsDutyCycle dutyCycle)
        {
            thread = new Thread(() ->
            {
                dutyCycle.onStart();
                bell.register(Thread.currentThread());
                started.countDown();
                LockSupport.parkNanos(PARK_NS);
                woken.countDown();
            }, "agent");
        }

        boolean wokenWithin(final long ms) throws InterruptedException
        {
            return woken.await(ms, TimeUnit.MILLISECONDS);
        }
    }
}
