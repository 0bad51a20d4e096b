package io.pushengine.codec;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * An idle strategy that parks long when its agent has nothing to do, but no longer than {@code shortParkNs} while
 * the agent has work that falls due by time rather than by a producer's wake-up (a throttled re-send, a ring that
 * was full, a replay that was back-pressured, a resume in progress). Lets an agent park tens of milliseconds when idle
 * without making its timers that late.
 * <p>
 * {@code hasWorkDueSoon} is asked on the agent's own thread, from {@link #idle(int)}, after a duty cycle that did
 * nothing.
 */
public final class DueWorkIdleStrategy implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final BooleanSupplier hasWorkDueSoon;
    private final long shortParkNs;

    public DueWorkIdleStrategy(final IdleStrategy delegate, final BooleanSupplier hasWorkDueSoon, final long shortParkNs)
    {
        if (shortParkNs < 1)
        {
            throw new IllegalArgumentException("shortParkNs must be >= 1: " + shortParkNs);
        }
        this.delegate = delegate;
        this.hasWorkDueSoon = hasWorkDueSoon;
        this.shortParkNs = shortParkNs;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            delegate.reset();
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
            LockSupport.parkNanos(shortParkNs);
        }
        else
        {
            delegate.idle();
        }
    }

    public void reset()
    {
        delegate.reset();
    }

    public String toString()
    {
        return "DueWorkIdleStrategy{delegate=" + delegate + ", shortParkNs=" + shortParkNs + '}';
    }
}
