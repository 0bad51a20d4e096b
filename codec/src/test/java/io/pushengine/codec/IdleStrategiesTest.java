package io.pushengine.codec;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agents' idle strategy comes from system properties; a value that is not understood stops the start with the
 * property's name.
 */
class IdleStrategiesTest
{
    @AfterEach
    void clear()
    {
        System.clearProperty(IdleStrategies.IDLE_STRATEGY_PROP_NAME);
        System.clearProperty(IdleStrategies.MIN_PARK_US_PROP_NAME);
        System.clearProperty(IdleStrategies.MAX_PARK_US_PROP_NAME);
        System.clearProperty(AgentThreadingMode.PROP_NAME);
    }

    @Test
    void backoffByDefaultOneInstancePerAgent()
    {
        final var supplier = IdleStrategies.fromSystemProperties();
        assertInstanceOf(BackoffIdleStrategy.class, supplier.get());
        assertNotSame(supplier.get(), supplier.get(), "strategies keep state: each agent needs its own");
    }

    @Test
    void namedStrategiesAreTaken()
    {
        System.setProperty(IdleStrategies.IDLE_STRATEGY_PROP_NAME, "busy-spin");
        assertInstanceOf(BusySpinIdleStrategy.class, IdleStrategies.fromSystemProperties().get());
        System.setProperty(IdleStrategies.IDLE_STRATEGY_PROP_NAME, "sleeping");
        assertInstanceOf(SleepingIdleStrategy.class, IdleStrategies.fromSystemProperties().get());
    }

    @Test
    void unknownNameOrInvertedParkBoundsAreRefusedWithThePropertyName()
    {
        System.setProperty(IdleStrategies.IDLE_STRATEGY_PROP_NAME, "spinning");
        final IllegalArgumentException name =
            assertThrows(IllegalArgumentException.class, IdleStrategies::fromSystemProperties);
        assertTrue(name.getMessage().contains("push.idle.strategy must be one of"), name.getMessage());

        System.clearProperty(IdleStrategies.IDLE_STRATEGY_PROP_NAME);
        System.setProperty(IdleStrategies.MIN_PARK_US_PROP_NAME, "2000");
        final IllegalArgumentException bounds =
            assertThrows(IllegalArgumentException.class, IdleStrategies::fromSystemProperties);
        assertTrue(bounds.getMessage().contains("push.idle.min.park.us <= push.idle.max.park.us"),
            bounds.getMessage());
    }

    @Test
    void theAllInProcessDefaultParksLongerUnlessTheMaxParkIsSet()
    {
        final IdleStrategy allInProcess =
            IdleStrategies.fromSystemProperties(IdleStrategies.ALL_IN_PROCESS_MAX_PARK_US_DEFAULT).get();
        assertTrue(allInProcess.toString().contains("maxParkPeriodNs=100000000"), allInProcess.toString());
        System.setProperty(IdleStrategies.MAX_PARK_US_PROP_NAME, "2000");
        final IdleStrategy configured =
            IdleStrategies.fromSystemProperties(IdleStrategies.ALL_IN_PROCESS_MAX_PARK_US_DEFAULT).get();
        assertTrue(configured.toString().contains("maxParkPeriodNs=2000000"), configured.toString());
    }

    @Test
    void dueWorkKeepsTheAgentOffTheLongParkAndWorkResetsTheBackoff()
    {
        final CountingIdleStrategy delegate = new CountingIdleStrategy();
        final CountingIdleStrategy dueIdle = new CountingIdleStrategy();
        final boolean[] due = { true };
        final IdleStrategy strategy = new DueWorkIdleStrategy(delegate, dueIdle, () -> due[0]);

        strategy.idle(0);
        strategy.idle(0);
        assertEquals(0, delegate.idles, "while work is due the long-parking delegate is not used");
        assertEquals(2, dueIdle.idles, "the short one is");

        due[0] = false;
        strategy.idle(0);
        assertEquals(1, delegate.idles, "nothing due: the delegate parks (and backs off)");

        strategy.idle(3);
        assertEquals(1, delegate.resets, "work done: the delegate's backoff starts again");
        assertEquals(1, dueIdle.resets, "and the short one's");
        assertEquals(1, delegate.idles);
    }

    @Test
    void onlyParkingStrategiesAreMadeDueWorkAware()
    {
        final BusySpinIdleStrategy spin = new BusySpinIdleStrategy();
        assertSame(spin, IdleStrategies.dueWorkAware(spin, () -> true), "a spinning agent never parks long");
        assertInstanceOf(DueWorkIdleStrategy.class,
            IdleStrategies.dueWorkAware(IdleStrategies.fromSystemProperties().get(), () -> true));
    }

    @Test
    void threadingModeIsReadFromItsPropertyAndAnUnknownOneNamesIt()
    {
        assertEquals(AgentThreadingMode.DEDICATED, AgentThreadingMode.fromSystemProperties());
        System.setProperty(AgentThreadingMode.PROP_NAME, "Shared");
        assertEquals(AgentThreadingMode.SHARED, AgentThreadingMode.fromSystemProperties());
        System.setProperty(AgentThreadingMode.PROP_NAME, "pooled");
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, AgentThreadingMode::fromSystemProperties);
        assertTrue(ex.getMessage().contains("push.threading.mode must be one of dedicated, shared, invoker"),
            ex.getMessage());
    }

    private static final class CountingIdleStrategy implements IdleStrategy
    {
        int idles;
        int resets;

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
            idles++;
        }

        public void reset()
        {
            resets++;
        }
    }
}
