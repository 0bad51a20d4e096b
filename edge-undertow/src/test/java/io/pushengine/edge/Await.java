package io.pushengine.edge;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bounded waiting for tests: poll a condition instead of sleeping a guessed time.
 */
final class Await
{
    static final long TIMEOUT_S = 20;

    private Await()
    {
    }

    static void await(final BooleanSupplier condition)
    {
        await(condition, () -> "condition not met");
    }

    static void await(final BooleanSupplier condition, final Supplier<String> message)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail(message.get() + " within " + TIMEOUT_S + " s");
            }
            try
            {
                Thread.sleep(2);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /**
     * Read {@code value} until {@code accepted} holds, every 50 ms, and return what was accepted; fail with
     * {@code what} and the last value read after {@link #TIMEOUT_S} seconds.
     */
    static <T> T await(final Supplier<T> value, final java.util.function.Predicate<T> accepted, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        T last = value.get();
        while (!accepted.test(last))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail(what + ": not within " + TIMEOUT_S + " s; last: " + last);
            }
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
            last = value.get();
        }
        return last;
    }
}
