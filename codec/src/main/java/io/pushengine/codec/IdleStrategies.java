package io.pushengine.codec;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How the engine's and the edge's agents (sequencer, replay, fan-out) wait when they have nothing to do: one
 * setting for the whole process, read from system properties, like Aeron's {@code aeron.*.idle.strategy} (which
 * still set the embedded media driver's). Producers in the same process ring their consumers awake
 * ({@link AgentWakeups}), so a park ends as soon as there is work; only a producer in another process waits for it.
 * <ul>
 *     <li>{@code backoff} (default): spin {@code push.idle.spins} (100) times, yield {@code push.idle.yields} (0)
 *     times, then park from {@code push.idle.min.park.us} (1,000) doubling up to {@code push.idle.max.park.us}:
 *     1,000 (1 ms) for a process whose producers may be in other processes (the {@code engine} and {@code edge}
 *     roles, an embedder's default), where a park is what an event after a quiet spell can wait; 100,000
 *     (100 ms) where every producer is in the process and rings its consumer awake (the all-in-one
 *     {@code embedded} role, {@link #ALL_IN_PROCESS_MAX_PARK_US_DEFAULT}): a long park costs no latency there, and
 *     an idle agent wakes 10 times a second instead of 1,000 (on a small VM a wake from a long park costs ~50 us of
 *     CPU). No yields and no ladder of microsecond parks: on a small box each of those is a context switch per
 *     event. While an agent has work due by time (a throttled re-send, a full
 *     ring) it parks at most the min park ({@link #dueWorkAware}).</li>
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
    public static final long ALL_IN_PROCESS_MAX_PARK_US_DEFAULT = 100_000;

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
        return fromSystemProperties(MAX_PARK_US_DEFAULT);
    }

    /**
     * As {@link #fromSystemProperties()}, with the longest park defaulting to {@code defaultMaxParkUs} when
     * {@value #MAX_PARK_US_PROP_NAME} is not set.
     */
    public static Supplier<IdleStrategy> fromSystemProperties(final long defaultMaxParkUs)
    {
        final String name = System.getProperty(IDLE_STRATEGY_PROP_NAME, BACKOFF);
        final int spins = Integer.getInteger(SPINS_PROP_NAME, SPINS_DEFAULT);
        final int yields = Integer.getInteger(YIELDS_PROP_NAME, YIELDS_DEFAULT);
        final long minParkNs = TimeUnit.MICROSECONDS.toNanos(Long.getLong(MIN_PARK_US_PROP_NAME, MIN_PARK_US_DEFAULT));
        final long maxParkNs = TimeUnit.MICROSECONDS.toNanos(Long.getLong(MAX_PARK_US_PROP_NAME, defaultMaxParkUs));
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

    /**
     * The strategy an agent with timed work uses: a parking strategy backs off only to {@value #MIN_PARK_US_PROP_NAME}
     * (after its spins) while {@code hasWorkDueSoon} says so ({@link DueWorkIdleStrategy}); a spinning or yielding
     * one is returned as it is (it never parks long).
     */
    public static IdleStrategy dueWorkAware(
        final IdleStrategy idleStrategy, final BooleanSupplier hasWorkDueSoon)
    {
        if (idleStrategy instanceof BackoffIdleStrategy || idleStrategy instanceof SleepingIdleStrategy)
        {
            final long minParkNs = TimeUnit.MICROSECONDS.toNanos(
                Math.max(1, Long.getLong(MIN_PARK_US_PROP_NAME, MIN_PARK_US_DEFAULT)));
            final IdleStrategy dueIdle = idleStrategy instanceof BackoffIdleStrategy ? new BackoffIdleStrategy(
                Integer.getInteger(SPINS_PROP_NAME, SPINS_DEFAULT),
                Integer.getInteger(YIELDS_PROP_NAME, YIELDS_DEFAULT),
                minParkNs,
                minParkNs) : new SleepingIdleStrategy(minParkNs);
            return new DueWorkIdleStrategy(idleStrategy, dueIdle, hasWorkDueSoon);
        }
        return idleStrategy;
    }
}
