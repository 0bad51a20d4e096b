package io.pushengine.codec;

import org.agrona.concurrent.IdleStrategy;

import java.util.function.BooleanSupplier;

/**
 * An idle strategy that parks long when its agent has nothing to do, but backs off only as far as a short park while
 * the agent has work that falls due by time rather than by a producer's wake-up (a throttled re-send, a ring that
 * was full, a stream that was back-pressured, a resume in progress): {@code dueIdle}, typically the same spins and a
 * park no longer than the shortest. Lets an agent park tens of milliseconds when idle without making its timers that
 * late, and without parking at once where a spin would have seen the back pressure clear.
 * <p>
 * {@code hasWorkDueSoon} is asked on the agent's own thread, from {@link #idle(int)}, after a duty cycle that did
 * nothing.
 */
public final class DueWorkIdleStrategy implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final IdleStrategy dueIdle;
    private final BooleanSupplier hasWorkDueSoon;

    public DueWorkIdleStrategy(
        final IdleStrategy delegate, final IdleStrategy dueIdle, final BooleanSupplier hasWorkDueSoon)
    {
        this.delegate = delegate;
        this.dueIdle = dueIdle;
        this.hasWorkDueSoon = hasWorkDueSoon;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    public void idle()
    {
        if (hasWorkDueSoon.getAsBoolean())
        {
            dueIdle.idle();
        }
        else
        {
            delegate.idle();
        }
    }

    public void reset()
    {
        delegate.reset();
        dueIdle.reset();
    }

    public String toString()
    {
        return "DueWorkIdleStrategy{delegate=" + delegate + ", dueIdle=" + dueIdle + '}';
    }
}
