package io.pushengine.codec;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How the engine's and the edge's agents (sequencer, replay, fan-out) wait when they have nothing to do: one
 * setting for the whole process, read from system properties, like Aeron's {@code aeron.*.idle.strategy} (which
 * still set the embedded media driver's). Producers in the same process ring their consumers awake
 * ({@link AgentWakeups}), so a park ends as soon as there is work; only a producer in another process waits for it.
 * <ul>
 *     <li>{@code backoff} (default): spin {@code push.idle.spins} (100) times, yield {@code push.idle.yields} (0)
 *     times, then park from {@code push.idle.min.park.us} (1,000) doubling up to {@code push.idle.max.park.us}
 *     (1,000): one park of 1 ms, cut short by a wake-up. No yields and no ladder of microsecond parks: on a small
 *     box each of those is a context switch per event. An idle agent wakes about 1,000 times a second; with every
 *     producer in the process (the all-in-one default), a longer park (e.g. 10 ms) costs less CPU when idle and no
 *     latency; with producers in other processes it adds up to the park to an event after a quiet spell.</li>
 *     <li>{@code busy-spin}: never sleep (lowest latency; one core per agent: for servers with cores to spare, with
 *     the agents pinned apart from the IO threads).</li>
 *     <li>{@code yielding}: yield the core every idle cycle.</li>
 *     <li>{@code sleeping}: park {@code push.idle.max.park.us} every idle cycle.</li>
 * </ul>
 */
public final class IdleStrategies
{
    public static final String IDLE_STRATEGY_PROP_NAME = "push.idle.strategy";
    public static final String SPINS_PROP_NAME = "push.idle.spins";
    public static final String YIELDS_PROP_NAME = "push.idle.yields";
    public static final String MIN_PARK_US_PROP_NAME = "push.idle.min.park.us";
    public static final String MAX_PARK_US_PROP_NAME = "push.idle.max.park.us";

    public static final String BACKOFF = "backoff";
    public static final String BUSY_SPIN = "busy-spin";
    public static final String YIELDING = "yielding";
    public static final String SLEEPING = "sleeping";

    public static final int SPINS_DEFAULT = 100;
    public static final int YIELDS_DEFAULT = 0;
    public static final long MIN_PARK_US_DEFAULT = 1000;
    public static final long MAX_PARK_US_DEFAULT = 1000;

    private IdleStrategies()
    {
    }

    /**
     * A supplier of the configured strategy (one instance per agent: they keep state).
     *
     * @throws IllegalArgumentException naming the property when a value is not understood.
     */
    public static Supplier<IdleStrategy> fromSystemProperties()
    {
        final String name = System.getProperty(IDLE_STRATEGY_PROP_NAME, BACKOFF);
        final int spins = Integer.getInteger(SPINS_PROP_NAME, SPINS_DEFAULT);
        final int yields = Integer.getInteger(YIELDS_PROP_NAME, YIELDS_DEFAULT);
        final long minParkNs = TimeUnit.MICROSECONDS.toNanos(Long.getLong(MIN_PARK_US_PROP_NAME, MIN_PARK_US_DEFAULT));
        final long maxParkNs = TimeUnit.MICROSECONDS.toNanos(Long.getLong(MAX_PARK_US_PROP_NAME, MAX_PARK_US_DEFAULT));
        if (spins < 0 || yields < 0 || minParkNs < 1 || maxParkNs < minParkNs)
        {
            throw new IllegalArgumentException(SPINS_PROP_NAME + " and " + YIELDS_PROP_NAME + " must be >= 0, and " +
                "1 <= " + MIN_PARK_US_PROP_NAME + " <= " + MAX_PARK_US_PROP_NAME + ": got " + spins + ", " + yields +
                ", " + minParkNs / 1000 + ", " + maxParkNs / 1000);
        }
        switch (name)
        {
            case BACKOFF:
                return () -> new BackoffIdleStrategy(spins, yields, minParkNs, maxParkNs);
            case BUSY_SPIN:
                return BusySpinIdleStrategy::new;
            case YIELDING:
                return YieldingIdleStrategy::new;
            case SLEEPING:
                return () -> new SleepingIdleStrategy(maxParkNs);
            default:
                throw new IllegalArgumentException(IDLE_STRATEGY_PROP_NAME + " must be one of " + BACKOFF + ", " +
                    BUSY_SPIN + ", " + YIELDING + ", " + SLEEPING + ": got '" + name + "'");
        }
    }
}
