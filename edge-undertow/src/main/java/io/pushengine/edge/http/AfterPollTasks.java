package io.pushengine.edge.http;

import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.ChannelListener;
import org.xnio.ChannelPipe;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Tasks an XNIO IO thread runs after its next select, among the ready sockets' handlers. The IO thread holds the
 * write end of a pipe nobody writes to, so it is always writable: while tasks wait, its write interest is on, the
 * select returns at once (with whatever sockets are also ready) and the write listener runs the tasks that were
 * waiting. A task that schedules its continuation here lets the thread read its sockets between steps, which a
 * continuation queued with {@code execute} does not (XNIO drains its task queue before it selects). Costs one
 * non-blocking {@code epoll_wait} per step and two pipe descriptors per IO thread.
 * <p>
 * One per IO thread, held by its {@link EdgeIoThread}. IO thread only, no locks.
 */
final class AfterPollTasks implements ChannelListener<StreamSinkChannel>
{
    private static final System.Logger LOGGER = System.getLogger(AfterPollTasks.class.getName());

    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final StreamSourceChannel readEnd; // kept open with the write end; the worker closes both at shutdown
    private final StreamSinkChannel alwaysWritable;
    private final AtomicCounter errors;
    private final SelectedKeyArray selectedKeys; // null: the selector keeps the JDK's set, every poll counts as busy
    private boolean armed;
    private boolean lastPollWasQuiet;

    private AfterPollTasks(
        final StreamSourceChannel readEnd,
        final StreamSinkChannel alwaysWritable,
        final AtomicCounter errors,
        final SelectedKeyArray selectedKeys)
    {
        this.readEnd = readEnd;
        this.errors = errors;
        this.selectedKeys = selectedKeys;
        this.alwaysWritable = alwaysWritable;
        alwaysWritable.getWriteSetter().set(this);
    }

    /**
     * Open the pipe on the calling IO thread ({@link EdgeIoThread#openOnItself}).
     *
     * @param ioThread     the calling IO thread.
     * @param errors       counts tasks that throw (logged too; the tasks after them still run).
     * @param selectedKeys the array its selector fills, or null: tells whether a poll found anything but this pipe.
     * @return the thread's tasks, or null if the pipe could not be opened (callers fall back to a plain task).
     */
    static AfterPollTasks open(
        final XnioIoThread ioThread, final AtomicCounter errors, final SelectedKeyArray selectedKeys)
    {
        try
        {
            final ChannelPipe<StreamSourceChannel, StreamSinkChannel> pipe = ioThread.createHalfDuplexPipe();
            return new AfterPollTasks(pipe.getLeftSide(), pipe.getRightSide(), errors, selectedKeys);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "no after-poll pipe on " + ioThread.getName() +
                "; long write passes will run as plain tasks: " + ex);
            return null;
        }
    }

    /**
     * @return false if the pipe has been closed (the worker is shutting down): run the task another way.
     */
    boolean add(final Runnable task)
    {
        if (!alwaysWritable.isOpen())
        {
            return false;
        }
        tasks.add(task);
        if (!armed)
        {
            armed = true;
            alwaysWritable.resumeWrites();
        }
        return true;
    }

    /**
     * The selector found the pipe writable: run the tasks that were waiting (those they add wait for the next one).
     */
    public void handleEvent(final StreamSinkChannel channel)
    {
        // the poll found this pipe alone: no socket ready, no task from another thread (its pipe would be ready)
        lastPollWasQuiet = null != selectedKeys && 1 == selectedKeys.sizeAtLastClear();
        for (int i = tasks.size(); i > 0; i--)
        {
            final Runnable task = tasks.poll();
            try
            {
                task.run();
            }
            catch (final Throwable ex)
            {
                errors.increment();
                LOGGER.log(System.Logger.Level.ERROR, "after-poll task failed", ex);
            }
        }
        lastPollWasQuiet = false;
        if (tasks.isEmpty())
        {
            armed = false; // a pass that goes on keeps the interest: no change to the selector per step
            channel.suspendWrites();
        }
    }

    /**
     * While its tasks run: whether the poll they run after found nothing else ready. False at any other time, and
     * always when the selector keeps the JDK's set. IO thread.
     */
    boolean lastPollWasQuiet()
    {
        return lastPollWasQuiet;
    }
}
