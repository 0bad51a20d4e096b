package io.pushengine.client;

/**
 * The one vocabulary of publish results, for every way to publish: {@code PushEngine.offer}/{@code publish} in the
 * engine's process and {@link PushPublisher} over Aeron. A non-negative result is a correlation id (offer) or the
 * event's global sequence (publish); a negative one is one of these, each with one meaning wherever it comes from.
 */
public final class PublishResult
{
    /** Not connected to the engine (not started, unreachable, or restarting). Retry later. */
    public static final long NOT_CONNECTED = -1;
    /** The engine is behind (its publish ring or ingress stream is full). Retry. */
    public static final long BACK_PRESSURED = -2;
    /** The publisher, the engine or its Aeron client is closed. */
    public static final long CLOSED = -4;
    /** The payload is larger than the configured maximum. */
    public static final long PAYLOAD_TOO_LARGE = -5;
    /** No acknowledgement within the publish timeout: the event may or may not be journaled. */
    public static final long TIMED_OUT = -6;
    /**
     * The engine refused the request and it is not journaled: a topic it does not accept, or an ingress that requires
     * a token granting the topic ({@link PushPublisher#lastRefusal()} says which).
     */
    public static final long REJECTED = -7;

    private PublishResult()
    {
    }

    /**
     * @return a few words for a result, for logs and errors.
     */
    public static String describe(final long result)
    {
        if (result >= 0)
        {
            return "ok";
        }
        if (result == NOT_CONNECTED)
        {
            return "not connected to the engine";
        }
        if (result == BACK_PRESSURED)
        {
            return "back pressured";
        }
        if (result == CLOSED)
        {
            return "closed";
        }
        if (result == PAYLOAD_TOO_LARGE)
        {
            return "payload too large";
        }
        if (result == TIMED_OUT)
        {
            return "no acknowledgement in time (may or may not be journaled)";
        }
        if (result == REJECTED)
        {
            return "rejected by the engine";
        }
        return "unknown (" + result + ")";
    }
}
