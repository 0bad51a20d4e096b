package io.pushengine.engine;

/**
 * Negative results of {@link PushEngine#offer} and {@link PushEngine#publish}; a non-negative result is a
 * correlation id (offer) or the event's global sequence (publish).
 */
public final class PublishResult
{
    /** The publish ring is full: the sequencer is behind (or itself back-pressured by the slowest edge). Retry. */
    public static final long BACK_PRESSURED = -2;
    /** The engine is closed. */
    public static final long CLOSED = -4;
    /** The payload is larger than the configured maximum. */
    public static final long PAYLOAD_TOO_LARGE = -5;
    /** No acknowledgement within the publish timeout; the event may or may not be journaled. */
    public static final long TIMED_OUT = -6;
    /** The sequencer refused the request (unknown topic). */
    public static final long REJECTED = -7;

    private PublishResult()
    {
    }

    public static String describe(final long result)
    {
        if (result >= 0)
        {
            return "ok";
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
            return "timed out";
        }
        if (result == REJECTED)
        {
            return "rejected";
        }
        return "unknown (" + result + ")";
    }
}
