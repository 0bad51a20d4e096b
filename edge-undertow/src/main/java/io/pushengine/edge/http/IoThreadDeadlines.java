package io.pushengine.edge.http;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one IO thread's requests ({@link RequestDeadline}: publishes awaiting their acknowledgement,
 * long-polls awaiting events) on an Agrona {@link DeadlineTimerWheel}: arming and disarming one allocates nothing,
 * where an XNIO timer per request cost a timer key, a tree node and a task each, and a lock per insert and removal
 * (at 10,000 publishes/s, 10,000 of each a second). One XNIO timer per IO thread ticks the wheel while it holds
 * deadlines, every {@link #TICK_NS} ns, so a deadline fires up to one tick late.
 * <p>
 * Deadlines that expire are taken off the wheel first and fired after, so what a firing does (answer, end the
 * exchange, start the connection's next request, which arms its own) never changes the wheel under its poll.
 * <p>
 * IO thread only: each IO thread has its own, held by its {@link EdgeIoThread}.
 */
public final class IoThreadDeadlines implements DeadlineTimerWheel.TimerHandler, Runnable
{
    /**
     * The wheel's tick, about 16.8 ms: a power of two, as the wheel needs.
     */
    static final long TICK_NS = 1L << 24;
    private static final int TICKS_PER_WHEEL = 512; // ~8.6 s a turn: longer deadlines stay until a later turn
    private static final int INITIAL_DEADLINES_PER_TICK = 16;
    private static final System.Logger LOGGER = System.getLogger(IoThreadDeadlines.class.getName());

    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<RequestDeadline> byTimerId = new Long2ObjectHashMap<>();
    private final ArrayDeque<RequestDeadline> expired = new ArrayDeque<>();
    private final XnioIoThread ioThread;
    private XnioExecutor.Key tick;

    IoThreadDeadlines(final XnioIoThread ioThread, final long nowNs)
    {
        this.ioThread = ioThread;
        this.wheel = new DeadlineTimerWheel(
            TimeUnit.NANOSECONDS, nowNs, TICK_NS, TICKS_PER_WHEEL, INITIAL_DEADLINES_PER_TICK);
    }

    /**
     * @return the id to {@link #cancel} it with.
     */
    long schedule(final RequestDeadline timeout, final long nowNs, final long deadlineNs)
    {
        if (0 == wheel.timerCount())
        {
            wheel.currentTickTime(nowNs); // idle since: no ticks to walk through
        }
        final long timerId = wheel.scheduleTimer(deadlineNs);
        byTimerId.put(timerId, timeout);
        if (null == tick)
        {
            tick = ioThread.executeAfter(this, TICK_NS, TimeUnit.NANOSECONDS);
        }
        return timerId;
    }

    void cancel(final long timerId)
    {
        if (wheel.cancelTimer(timerId))
        {
            byTimerId.remove(timerId);
        }
    }

    /**
     * Deadlines armed and neither expired nor cancelled.
     */
    public long size()
    {
        return wheel.timerCount();
    }

    /**
     * The tick: take what expired off the wheel, then fire it; tick again while deadlines remain. IO thread.
     */
    public void run()
    {
        tick = null;
        final long nowNs = System.nanoTime();
        while (wheel.timerCount() > 0)
        {
            final boolean caughtUp = nowNs < wheel.currentTickTime();
            wheel.poll(nowNs, this, Integer.MAX_VALUE); // one tick per call
            if (caughtUp)
            {
                break;
            }
        }
        RequestDeadline timeout;
        while (null != (timeout = expired.poll()))
        {
            try
            {
                timeout.expire();
            }
            catch (final RuntimeException ex) // the others still fire
            {
                LOGGER.log(System.Logger.Level.ERROR, "a request deadline failed on " + ioThread.getName(), ex);
            }
        }
        if (wheel.timerCount() > 0 && null == tick)
        {
            tick = ioThread.executeAfter(this, TICK_NS, TimeUnit.NANOSECONDS);
        }
    }

    public boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final RequestDeadline timeout = byTimerId.remove(timerId);
        if (null != timeout)
        {
            timeout.expiring();
            expired.add(timeout);
        }
        return true;
    }
}
