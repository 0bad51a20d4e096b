package io.pushengine.edge.http;

import io.pushengine.edge.session.SessionExecutor;
import org.xnio.XnioIoThread;

import java.util.concurrent.TimeUnit;

/**
 * An Undertow (XNIO) IO thread as the fan-out core's {@link SessionExecutor}. Equal for the same thread, so the
 * connections of one IO thread share its flusher.
 *
 * @param ioThread the XNIO IO thread a connection belongs to.
 */
public record XnioSessionExecutor(XnioIoThread ioThread) implements SessionExecutor
{
    public void execute(final Runnable task)
    {
        ioThread.execute(task);
    }

    public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
    {
        ioThread.executeAfter(task, delay, unit);
    }
}
