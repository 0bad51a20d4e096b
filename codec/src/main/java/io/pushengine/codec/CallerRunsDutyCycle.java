package io.pushengine.codec;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * An agent whose duty cycle the threads that give it work may run themselves, instead of waking its thread.
 * <p>
 * On a small machine, and on a VM most of all, waking a parked thread costs far more CPU than the work it wakes for:
 * two context switches and an inter-processor interrupt, tens of microseconds on this project's 2-core VM, against a
 * few for journaling an event or handing it to its subscribers. A request that crosses three threads (IO thread,
 * sequencer, fan-out, IO thread again) pays that three times. Here a producer that is an event loop
 * ({@link AgentWakeups#registerEventLoop}) and rings a bell this duty cycle covers ({@link AgentWakeups.Wakeup#coveredBy})
 * queues one run on its own loop instead: when the loop has finished the work in hand (so a read that offered several
 * requests runs the cycle once for all of them), it takes the agent's lock, runs the duty cycle until it finds no
 * work (at most {@link #MAX_ROUNDS_PER_RUN} times), and gives the lock back. Work still left, work due by time (a
 * back-pressured offer to retry), or a lock held by another thread, wakes the agent's thread as before. Producers that are not event loops wake it as before.
 * <p>
 * The agent keeps a single writer: every duty cycle, on its own thread ({@link #doWork()}) or a caller's, runs
 * under the lock, which orders them (happens-before from one holder to the next). Its own thread waits for a
 * caller's run to end and then runs its cycle (see {@link #doWork()} for why it must not skip it). Bells the
 * running cycle rings do not wake the agent's thread
 * ({@link AgentWakeups#runningDutyCycleOf}), nor does the cycle run on the caller's thread after
 * {@link #onClose()}.
 */
public final class CallerRunsDutyCycle implements Agent
{
    /**
     * Duty cycles one caller runs before it leaves the rest to the agent's thread: enough for a request and what
     * the cycles after it find (its acknowledgement, the fan-out of its event), not so many that an event loop
     * spends itself on a backlog.
     */
    public static final int MAX_ROUNDS_PER_RUN = 4;

    /**
     * {@code false} turns it off: every producer wakes the agents' threads, as before (for A/B measurement).
     */
    public static final String ENABLED_PROP_NAME = "push.threading.caller.runs";

    /**
     * @return whether components wrap their agents in one ({@value #ENABLED_PROP_NAME}, default true).
     */
    public static boolean enabledBySystemProperty()
    {
        return !"false".equals(System.getProperty(ENABLED_PROP_NAME));
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Agent agent;
    private final ErrorHandler errorHandler;
    private final AtomicCounter errorCounter;
    private final BooleanSupplier hasWorkDueSoon;
    private final ThreadLocal<LoopRun> loopRuns = new ThreadLocal<>();
    private final LoopRun notALoop = new LoopRun(this, null);
    private volatile Thread agentThread;
    private boolean closed;

    /**
     * @param agent        the agent (its cycles run under this one's lock from now on).
     * @param errorHandler told of what a caller's run throws (the agent's thread has its runner's).
     * @param errorCounter   counts those (the runner's counter), or null.
     * @param hasWorkDueSoon whether the agent has work due by time (a retry of a back-pressured offer, a throttled
     *                       re-send): after a caller's run its thread is woken to take it, as a thread parked long
     *                       would not be back in time.
     */
    public CallerRunsDutyCycle(
        final Agent agent,
        final ErrorHandler errorHandler,
        final AtomicCounter errorCounter,
        final BooleanSupplier hasWorkDueSoon)
    {
        this.agent = agent;
        this.hasWorkDueSoon = hasWorkDueSoon;
        this.errorHandler = errorHandler;
        this.errorCounter = errorCounter;
    }

    public void onStart()
    {
        lock.lock();
        try
        {
            agent.onStart();
        }
        finally
        {
            lock.unlock();
        }
        agentThread = Thread.currentThread(); // callers may run it from now on
    }

    /**
     * The agent's own thread: a cycle; while a caller runs one, it waits for that run to end and then cycles.
     * <p>
     * It must not skip the cycle: this thread is woken by a producer whose own run found the lock held (or that is
     * not an event loop), and the caller holding the lock may have made its last check for work before that
     * producer's offer. Skipping would spend the wake-up and leave the offer for the idle strategy's next park to
     * end: up to {@code push.idle.max.park.us} (100 ms by default). The wait here is at most one caller's run
     * ({@link #MAX_ROUNDS_PER_RUN} cycles).
     */
    public int doWork() throws Exception
    {
        if (!lock.tryLock())
        {
            lock.lock();
        }
        try
        {
            return agent.doWork();
        }
        finally
        {
            lock.unlock();
        }
    }

    public void onClose()
    {
        agentThread = null;
        lock.lock();
        try
        {
            closed = true;
            agent.onClose();
        }
        finally
        {
            lock.unlock();
        }
    }

    public String roleName()
    {
        return agent.roleName();
    }

    /**
     * The thread the agent runs on once started (null before and after).
     */
    Thread agentThread()
    {
        return agentThread;
    }

    /**
     * From a bell this duty cycle covers: if the current thread is an event loop, queue a run on it (once until it
     * has run).
     *
     * @return true if a run is queued on the current thread's loop (the agent's thread need not be woken).
     */
    boolean runSoonOnThisLoop()
    {
        LoopRun loopRun = loopRuns.get();
        if (null == loopRun)
        {
            final Executor loop = AgentWakeups.eventLoopOf(Thread.currentThread());
            loopRun = null == loop ? notALoop : new LoopRun(this, loop);
            loopRuns.set(loopRun);
        }
        if (notALoop == loopRun || null == agentThread)
        {
            return false;
        }
        if (!loopRun.queued)
        {
            try
            {
                loopRun.loop.execute(loopRun);
            }
            catch (final RejectedExecutionException ex)
            {
                return false; // the loop is stopping: wake the agent's thread
            }
            loopRun.queued = true;
        }
        return true;
    }

    private void runOnCaller()
    {
        final Thread agentThread = this.agentThread;
        if (null == agentThread)
        {
            return; // closed: nothing is owed to a closed agent
        }
        if (!lock.tryLock())
        {
            LockSupport.unpark(agentThread); // its thread, or another caller, may be past what we offered
            return;
        }
        int workCount = 0;
        boolean workDue = false;
        try
        {
            if (closed)
            {
                return;
            }
            AgentWakeups.runningDutyCycleOf(agentThread);
            for (int round = 0; round < MAX_ROUNDS_PER_RUN; round++)
            {
                workCount = agent.doWork();
                if (0 == workCount)
                {
                    break;
                }
            }
            workDue = hasWorkDueSoon.getAsBoolean();
        }
        catch (final Throwable ex)
        {
            if (null != errorCounter && !errorCounter.isClosed())
            {
                errorCounter.increment();
            }
            errorHandler.onError(ex);
        }
        finally
        {
            AgentWakeups.runningDutyCycleOf(null);
            lock.unlock();
        }
        if (0 != workCount || workDue)
        {
            LockSupport.unpark(agentThread); // its idle strategy then parks no longer than the due work allows
        }
    }

    /**
     * One caller thread's queued run (allocated once per thread).
     */
    private static final class LoopRun implements Runnable
    {
        final CallerRunsDutyCycle dutyCycle;
        final Executor loop;
        boolean queued;

        LoopRun(final CallerRunsDutyCycle dutyCycle, final Executor loop)
        {
            this.dutyCycle = dutyCycle;
            this.loop = loop;
        }

        public void run()
        {
            queued = false;
            dutyCycle.runOnCaller();
        }
    }
}
