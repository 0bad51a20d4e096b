package io.pushengine.edge.session;

import java.util.concurrent.TimeUnit;

/**
 * The thread a connection's IO runs on, as the fan-out core sees it: the one place a transport plugs in its event
 * loop (an XNIO IO thread for the Undertow edge, a Netty event loop, an embedder's own selector thread). Every
 * transport-side method of a {@link ClientSession} ({@code drain}, {@code sendHeartbeat}, {@code closeOnIoThread})
 * runs on it, one at a time per connection.
 * <p>
 * Implementations must run tasks in the order they were given from any one thread, never concurrently with each
 * other for the same connection, and must not run a task on the caller's stack (the fan-out thread never does IO).
 */
public interface SessionExecutor
{
    /**
     * Run {@code task} on the IO thread soon. Any thread.
     */
    void execute(Runnable task);

    /**
     * Run {@code task} on the IO thread after {@code delay}. Any thread; used for batching windows.
     */
    void executeAfter(Runnable task, long delay, TimeUnit unit);

    /**
     * Run {@code task} on the IO thread once the event loop has next polled its sockets and served what was ready
     * (reads, accepts), so a long run of work split into tasks does not starve the connections' input. An event
     * loop that drains every queued task before it polls (XNIO does) would otherwise read nothing until the run
     * ends. Called on the IO thread; the default runs it as {@link #execute}.
     */
    default void executeAfterPoll(final Runnable task)
    {
        execute(task);
    }

    /**
     * Whether the poll a task given to {@link #executeAfterPoll} now runs after found nothing else to do: no socket
     * ready, no task from another thread. A long pass may then take longer steps (fewer polls), since no input waits
     * on it. Called on the IO thread, from such a task; the default answers false (every poll counts as busy).
     */
    default boolean lastPollWasQuiet()
    {
        return false;
    }
}
