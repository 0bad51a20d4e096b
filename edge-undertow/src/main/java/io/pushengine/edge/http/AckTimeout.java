package io.pushengine.edge.http;

import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

import java.util.concurrent.TimeUnit;

/**
 * The acknowledgement timeout of one HTTP publish: armed on its IO thread when the request starts to wait for the
 * engine, disarmed there when the request is answered. A timer left armed after the answer keeps the request, and all
 * it references, in the IO thread's timer queue until it fires: at 10,000 publishes/s and the default 5 s timeout,
 * 50,000 requests, hundreds of MB of heap and young pauses of 30-80 ms on a small box. IO thread only.
 */
final class AckTimeout
{
    private final AtomicCounter armed;
    private XnioExecutor.Key key;
    private boolean done;

    /**
     * @param armed the gauge of armed timeouts ({@code push_edge_publishes_awaiting_ack}).
     */
    AckTimeout(final AtomicCounter armed)
    {
        this.armed = armed;
    }

    /**
     * Run {@code onTimeout} after {@code delay} unless {@link #disarm()}ed first (then, or if it already was, this
     * arms nothing).
     */
    void arm(final XnioIoThread ioThread, final Runnable onTimeout, final long delay, final TimeUnit unit)
    {
        if (done)
        {
            return;
        }
        key = ioThread.executeAfter(() ->
        {
            key = null;
            done = true;
            armed.decrement();
            onTimeout.run();
        }, delay, unit);
        armed.increment();
    }

    /**
     * The request is answered (or will never be): its timer goes, and with it what the timer held.
     */
    void disarm()
    {
        done = true;
        final XnioExecutor.Key key = this.key;
        if (null != key)
        {
            this.key = null;
            key.remove();
            armed.decrement();
        }
    }
}
