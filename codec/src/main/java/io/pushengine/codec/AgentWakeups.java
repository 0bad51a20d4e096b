package io.pushengine.codec;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * Doorbells between the agents of one process: a producer that has just offered to an Aeron stream (or an
 * in-process queue) rings the stream's bell, and the agents that consume it, if parked in their idle strategy, wake
 * at once instead of when their park ends. Agents keep polling as before: a bell only cuts a park short, so a
 * producer in another process (which cannot ring it) costs at most the park, and a lost ring costs nothing but that.
 * <p>
 * This lets parked agents park long (little CPU when idle) without making the first event after a quiet spell wait
 * for the park to end, and makes a wake-up per event instead of a spin, a run of yields and a ladder of short parks.
 * <p>
 * A bell may also be covered by an agent's {@link CallerRunsDutyCycle}: a producer that is an event loop
 * ({@link #registerEventLoop}) then queues one run of that agent's duty cycle on its own loop instead of waking the
 * agent's thread, and a thread running a duty cycle for an agent thread does not wake that thread either.
 * Thread-safe.
 */
public final class AgentWakeups
{
    private static final ConcurrentMap<String, Wakeup> BY_STREAM = new ConcurrentHashMap<>();
    private static final ConcurrentMap<Thread, Executor> EVENT_LOOPS = new ConcurrentHashMap<>();
    private static final ThreadLocal<Thread> RUNNING_DUTY_CYCLE_OF = new ThreadLocal<>();

    private AgentWakeups()
    {
    }

    /**
     * {@code thread} is an event loop (an edge's IO thread): a task given to {@code loop} from that thread runs on
     * it once the work in hand is done, without waking anything.
     */
    public static void registerEventLoop(final Thread thread, final Executor loop)
    {
        EVENT_LOOPS.put(thread, loop);
    }

    public static void unregisterEventLoop(final Thread thread)
    {
        EVENT_LOOPS.remove(thread);
    }

    /**
     * @return the loop of {@code thread} if it is a registered event loop, else null.
     */
    static Executor eventLoopOf(final Thread thread)
    {
        return EVENT_LOOPS.get(thread);
    }

    /**
     * The current thread runs (or stops running, with null) the duty cycle of the agent whose thread is
     * {@code agentThread}: bells it rings meanwhile do not wake that thread.
     */
    static void runningDutyCycleOf(final Thread agentThread)
    {
        RUNNING_DUTY_CYCLE_OF.set(agentThread);
    }

    /**
     * The bell of an Aeron stream in this process (any channel string and stream id; the same on both ends).
     */
    public static Wakeup forStream(final String channel, final int streamId)
    {
        return BY_STREAM.computeIfAbsent(channel + ' ' + streamId, key -> new Wakeup());
    }

    /**
     * A bell: the threads to wake when it rings.
     */
    public static final class Wakeup
    {
        private static final Thread[] NONE = new Thread[0];
        private static final CallerRunsDutyCycle[] NO_CALLER_RUNS = new CallerRunsDutyCycle[0];
        private volatile Thread[] threads = NONE;
        private volatile CallerRunsDutyCycle[] callerRuns = NO_CALLER_RUNS;

        /**
         * Wake these threads from now on (an agent's {@code onStart}).
         */
        public synchronized void register(final Thread thread)
        {
            final Thread[] old = threads;
            final Thread[] next = java.util.Arrays.copyOf(old, old.length + 1);
            next[old.length] = thread;
            threads = next;
        }

        /**
         * Stop waking this thread (an agent's {@code onClose}).
         */
        public synchronized void unregister(final Thread thread)
        {
            final Thread[] old = threads;
            int kept = 0;
            final Thread[] next = new Thread[old.length];
            for (final Thread t : old)
            {
                if (t != thread)
                {
                    next[kept++] = t;
                }
            }
            threads = java.util.Arrays.copyOf(next, kept);
        }

        /**
         * A consumer of this bell whose duty cycle an event-loop producer may run itself instead of waking its thread.
         */
        public synchronized void coveredBy(final CallerRunsDutyCycle dutyCycle)
        {
            final CallerRunsDutyCycle[] old = callerRuns;
            final CallerRunsDutyCycle[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = dutyCycle;
            callerRuns = next;
        }

        public synchronized void uncoveredBy(final CallerRunsDutyCycle dutyCycle)
        {
            callerRuns = Arrays.stream(callerRuns).filter(c -> c != dutyCycle).toArray(CallerRunsDutyCycle[]::new);
        }

        /**
         * Wake the registered threads if parked (a thread not parked just skips its next park), except those whose
         * duty cycle the current thread runs or has just queued on its own loop. Any thread.
         */
        public void wake()
        {
            final Thread[] threads = this.threads;
            if (0 == threads.length)
            {
                return;
            }
            final CallerRunsDutyCycle[] callerRuns = this.callerRuns;
            final Thread running = RUNNING_DUTY_CYCLE_OF.get();
            for (final Thread thread : threads)
            {
                if (thread != running && !queuedHere(callerRuns, thread))
                {
                    LockSupport.unpark(thread);
                }
            }
        }

        private static boolean queuedHere(final CallerRunsDutyCycle[] callerRuns, final Thread thread)
        {
            for (final CallerRunsDutyCycle dutyCycle : callerRuns)
            {
                if (dutyCycle.agentThread() == thread)
                {
                    return dutyCycle.runSoonOnThisLoop();
                }
            }
            return false;
        }
    }
}
