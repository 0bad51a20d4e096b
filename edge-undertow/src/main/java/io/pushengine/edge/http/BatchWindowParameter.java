package io.pushengine.edge.http;

import io.undertow.server.HttpServerExchange;

import java.util.Deque;

/**
 * The {@code window=MS} query parameter: how long a connection's events may wait to be batched into one frame or
 * write. The server sets the default and the upper bound; a client may ask for anything within {@code 0..max}.
 */
public final class BatchWindowParameter
{
    /** Returned by {@link #parse} for an invalid value. */
    public static final long INVALID = -1;

    private BatchWindowParameter()
    {
    }

    /**
     * @return the window in ms, the default when absent, or {@link #INVALID}.
     */
    public static long parse(final HttpServerExchange exchange, final long defaultMs, final long maxMs)
    {
        final Deque<String> values = exchange.getQueryParameters().get("window");
        if (null == values || values.isEmpty())
        {
            return defaultMs;
        }
        try
        {
            final long windowMs = Long.parseLong(values.getFirst());
            return windowMs >= 0 && windowMs <= maxMs ? windowMs : INVALID;
        }
        catch (final NumberFormatException ex)
        {
            return INVALID;
        }
    }

    public static String describeInvalid(final long maxMs)
    {
        return "window must be a whole number of milliseconds from 0 to " + maxMs;
    }
}
