package io.pushengine.codec;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Doorbells between the agents of one process: a producer that has just offered to an Aeron stream (or an
 * in-process queue) rings the stream's bell, and the agents that consume it, if parked in their idle strategy, wake
 * at once instead of when their park ends. Agents keep polling as before: a bell only cuts a park short, so a
 * producer in another process (which cannot ring it) costs at most the park, and a lost ring costs nothing but that.
 * <p>
 * This lets parked agents park long (little CPU when idle) without making the first event after a quiet spell wait
 * for the park to end, and makes a wake-up per event instead of a spin, a run of yields and a ladder of short parks.
 * Thread-safe.
 */
public final class AgentWakeups
{
    private static final ConcurrentMap<String, Wakeup> BY_STREAM = new ConcurrentHashMap<>();

    private AgentWakeups()
    {
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
        private volatile Thread[] threads = NONE;

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
         * Wake the registered threads if parked (a thread not parked just skips its next park). Any thread.
         */
        public void wake()
        {
            final Thread[] threads = this.threads;
            for (final Thread thread : threads)
            {
                LockSupport.unpark(thread);
            }
        }
    }
}
