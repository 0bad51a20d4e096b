package io.pushengine.engine;

import io.aeron.driver.Configuration;
import io.aeron.driver.MediaDriver;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Keeps an embedded media driver quiet when nothing flows: its async executor (name resolution for UDP channels,
 * nothing else) sleeps 16 ms between looks instead of 1 ms, and the shared driver thread takes the idle strategy the
 * role chose. Aeron's own properties, when set, win over both.
 */
public final class MediaDriverIdle
{
    /**
     * How long the driver's async executor sleeps between looks for a task.
     */
    public static final long ASYNC_EXECUTOR_SLEEP_MS = 16;

    private MediaDriverIdle()
    {
    }

    /**
     * @param sharedIdleStrategy the shared driver thread's strategy, or null for Aeron's default.
     * @return {@code ctx}.
     */
    public static MediaDriver.Context quietWhenIdle(final MediaDriver.Context ctx, final IdleStrategy sharedIdleStrategy)
    {
        if (null == System.getProperty(Configuration.ASYNC_EXECUTOR_IDLE_STRATEGY_PROP_NAME))
        {
            ctx.asyncExecutorIdleStrategy(new SleepingMillisIdleStrategy(ASYNC_EXECUTOR_SLEEP_MS));
        }
        if (null != sharedIdleStrategy && null == System.getProperty(Configuration.SHARED_IDLE_STRATEGY_PROP_NAME))
        {
            ctx.sharedIdleStrategy(sharedIdleStrategy);
        }
        return ctx;
    }
}
