package io.pushengine.edge.http;

import io.pushengine.edge.session.SessionExecutor;
import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.XnioIoThread;

import java.util.concurrent.TimeUnit;

/**
 * What the edge keeps on one Undertow (XNIO) IO thread, and that thread as the fan-out core's
 * {@link SessionExecutor}:
 * <ul>
 *   <li>its task pipe ({@link IoThreadTasks}): tasks from other threads (the fan-out's acknowledgements and
 *       deliveries) wake it without XNIO's selector lock;</li>
 *   <li>its after-poll tasks ({@link AfterPollTasks}): a long write pass continues after the thread has read its
 *       sockets, in longer steps while its polls find nothing else to do;</li>
 *   <li>its selector's selected-key set ({@link SelectedKeyArray}): an array, not the JDK's {@code HashSet};</li>
 *   <li>its request deadlines ({@link IoThreadDeadlines}): publishes awaiting their acknowledgement, long-polls
 *       awaiting events.</li>
 * </ul>
 * One per IO thread, made on the thread itself when the edge opens ({@link EdgeIoThreads}), and found through
 * {@link EdgeIoThreads#of}; the connections of a thread share it, and with it the thread's flusher.
 * <p>
 * Threading: {@link #execute} and {@link #executeAfter} from any thread; the rest on the IO thread.
 */
public final class EdgeIoThread implements SessionExecutor
{
    private final XnioIoThread ioThread;
    private final IoThreadTasks tasks;
    private final AfterPollTasks afterPollTasks;
    private final IoThreadDeadlines deadlines;

    private EdgeIoThread(
        final XnioIoThread ioThread,
        final IoThreadTasks tasks,
        final AfterPollTasks afterPollTasks,
        final IoThreadDeadlines deadlines)
    {
        this.ioThread = ioThread;
        this.tasks = tasks;
        this.afterPollTasks = afterPollTasks;
        this.deadlines = deadlines;
    }

    /**
     * Open the thread's pipes and deadlines. On {@code ioThread} itself ({@link EdgeIoThreads#open}). A pipe that
     * cannot be opened is warned about, and what it was for falls back to XNIO's own task queue.
     *
     * @param errors counts tasks that throw (logged too; the tasks after them still run).
     */
    static EdgeIoThread openOnItself(final XnioIoThread ioThread, final AtomicCounter errors)
    {
        if (Thread.currentThread() != ioThread)
        {
            throw new IllegalStateException(ioThread.getName() + " is opened on itself, not on " +
                Thread.currentThread().getName());
        }
        final SelectedKeyArray selectedKeys = SelectedKeyArray.installIfEnabled(ioThread);
        return new EdgeIoThread(
            ioThread,
            IoThreadTasks.ENABLED ? IoThreadTasks.open(ioThread, errors) : null,
            AfterPollTasks.open(ioThread, errors, selectedKeys),
            new IoThreadDeadlines(ioThread, System.nanoTime()));
    }

    /**
     * Run {@code task} on the IO thread soon, after the tasks given before it. Any thread.
     */
    public void execute(final Runnable task)
    {
        if (null == tasks || !tasks.add(task))
        {
            ioThread.execute(task);
        }
    }

    public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
    {
        ioThread.executeAfter(task, delay, unit);
    }

    /**
     * XNIO runs every queued task, including those queued meanwhile, before it selects: a task that re-queues
     * itself starves the thread's sockets until it stops. This runs {@code task} from the selector's side instead
     * ({@link AfterPollTasks}). From another thread, or if the IO thread could not open its pipe, as
     * {@link #execute}.
     */
    public void executeAfterPoll(final Runnable task)
    {
        if (Thread.currentThread() != ioThread || null == afterPollTasks || !afterPollTasks.add(task))
        {
            execute(task);
        }
    }

    /**
     * True while a task given to {@link #executeAfterPoll} runs after a poll that found nothing else ready (no
     * socket, no task from another thread; known when the selector has a {@link SelectedKeyArray}). IO thread.
     */
    public boolean lastPollWasQuiet()
    {
        return null != afterPollTasks && afterPollTasks.lastPollWasQuiet();
    }

    /**
     * The thread's request deadlines. On the IO thread only.
     *
     * @throws IllegalStateException on any other thread.
     */
    public IoThreadDeadlines deadlines()
    {
        if (Thread.currentThread() != ioThread)
        {
            throw new IllegalStateException("request deadlines are armed on their IO thread " +
                ioThread.getName() + ", not on " + Thread.currentThread().getName());
        }
        return deadlines;
    }

    public XnioIoThread ioThread()
    {
        return ioThread;
    }

    public String toString()
    {
        return "EdgeIoThread[" + ioThread.getName() + "]";
    }
}
