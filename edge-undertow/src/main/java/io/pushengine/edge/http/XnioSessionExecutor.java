package io.pushengine.edge.http;

import io.pushengine.edge.session.SessionExecutor;
import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.XnioIoThread;

import java.util.concurrent.TimeUnit;

/**
 * An Undertow (XNIO) IO thread as the fan-out core's {@link SessionExecutor}. Equal for the same thread, so the
 * connections of one IO thread share its flusher (which keeps the first instance it was given, and with it the
 * thread's {@link AfterPollTasks}).
 */
public final class XnioSessionExecutor implements SessionExecutor
{
    private final XnioIoThread ioThread;
    private final AtomicCounter errors;
    private AfterPollTasks afterPollTasks;
    private boolean afterPollUnavailable;

    /**
     * @param ioThread the XNIO IO thread a connection belongs to.
     * @param errors   counts tasks run after a poll that throw ({@link #executeAfterPoll}).
     */
    public XnioSessionExecutor(final XnioIoThread ioThread, final AtomicCounter errors)
    {
        this.ioThread = ioThread;
        this.errors = errors;
    }

    public void execute(final Runnable task)
    {
        IoThreadTasks.execute(ioThread, task, errors);
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
        if (Thread.currentThread() != ioThread)
        {
            execute(task);
            return;
        }
        if (null == afterPollTasks && !afterPollUnavailable)
        {
            afterPollTasks = AfterPollTasks.open(ioThread, errors);
            afterPollUnavailable = null == afterPollTasks; // warned once; plain tasks from now on
        }
        if (null == afterPollTasks || !afterPollTasks.add(task))
        {
            execute(task);
        }
    }

    public XnioIoThread ioThread()
    {
        return ioThread;
    }

    public boolean equals(final Object other)
    {
        return other instanceof XnioSessionExecutor executor && executor.ioThread == ioThread;
    }

    public int hashCode()
    {
        return System.identityHashCode(ioThread);
    }

    public String toString()
    {
        return "XnioSessionExecutor[" + ioThread.getName() + "]";
    }
}
