package io.pushengine.edge.http;

import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;

/**
 * The deadline of one request on its IO thread's {@link IoThreadDeadlines}: a publish's acknowledgement timeout, a
 * long-poll's wait. Armed on the IO thread when the request starts to wait, disarmed there when it is answered;
 * fires at most once, never after it was disarmed. A deadline left armed after the answer would keep the request, and
 * all it references, until it fires: at 10,000 publishes/s and the default 5 s timeout, 50,000 requests, hundreds of
 * MB of heap and young pauses of 30-80 ms on a small box. IO thread only.
 */
public final class RequestDeadline
{
    /**
     * What a deadline does when it passes: an interface of its own, so a request's object can be it (no lambda per
     * request) and still be a {@link Runnable} for something else.
     */
    @FunctionalInterface
    public interface Expiry
    {
        void onDeadline();
    }

    private static final int IDLE = 0;
    private static final int ARMED = 1;
    private static final int EXPIRING = 2;
    private static final int DONE = 3;

    private final AtomicCounter armedGauge;
    private IoThreadDeadlines deadlines;
    private Expiry onTimeout;
    private long timerId;
    private int state = IDLE;

    /**
     * @param armedGauge the gauge of armed deadlines (e.g. {@code push_edge_publishes_awaiting_ack}), or null.
     */
    public RequestDeadline(final AtomicCounter armedGauge)
    {
        this.armedGauge = armedGauge;
    }

    /**
     * Run {@code onTimeout} after {@code delay} unless {@link #disarm()}ed first (then, or if it already was, this
     * arms nothing). On {@code ioThread}, which must be the calling thread.
     *
     * @throws IllegalStateException on any other thread.
     */
    public void arm(final EdgeIoThread ioThread, final Expiry onTimeout, final long delay, final TimeUnit unit)
    {
        if (IDLE != state)
        {
            return;
        }
        final IoThreadDeadlines deadlines = ioThread.deadlines();
        final long nowNs = System.nanoTime();
        this.deadlines = deadlines;
        this.onTimeout = onTimeout;
        this.timerId = deadlines.schedule(this, nowNs, nowNs + unit.toNanos(delay));
        state = ARMED;
        if (null != armedGauge)
        {
            armedGauge.increment();
        }
    }

    /**
     * The request is answered (or will never be): its deadline goes, and with it what the deadline held.
     */
    public void disarm()
    {
        final int state = this.state;
        this.state = DONE;
        if (ARMED == state)
        {
            deadlines.cancel(timerId);
        }
        if (ARMED == state || EXPIRING == state)
        {
            release();
        }
    }

    /**
     * Make a deadline that was disarmed or has fired armable again, for a request object that is reused: the wheel
     * holds it no longer. IO thread.
     *
     * @throws IllegalStateException if it is armed or firing.
     */
    public void reset()
    {
        if (ARMED == state || EXPIRING == state)
        {
            throw new IllegalStateException("deadline still armed: disarm it first");
        }
        state = IDLE;
    }

    /**
     * Taken off the wheel: fires once the wheel's poll is over, unless disarmed before. {@link IoThreadDeadlines} only.
     */
    void expiring()
    {
        state = EXPIRING;
    }

    /**
     * {@link IoThreadDeadlines} only.
     */
    void expire()
    {
        if (EXPIRING == state)
        {
            state = DONE;
            final Expiry onTimeout = this.onTimeout;
            release();
            onTimeout.onDeadline();
        }
    }

    private void release()
    {
        deadlines = null;
        onTimeout = null;
        if (null != armedGauge)
        {
            armedGauge.decrement();
        }
    }
}
