package io.pushengine.codec;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
}
