package io.pushengine.edge.session;

/**
 * Why the edge ends a connection, as RFC 6455 close codes, with what a client should do on each: the vocabulary the
 * fan-out core closes connections with ({@link ClientSession#requestClose}) whatever the transport. WebSocket sends
 * the code and reason in its close frame; SSE ends the stream (a reconnect hint for {@link #GOING_AWAY}); a poll
 * answers 503 for {@link #TRY_AGAIN_LATER} and {@link #GOING_AWAY}, 500 otherwise; an embedder's transport maps
 * them as it sees fit.
 */
public final class CloseCodes
{
    /** Normal close: do not reconnect. */
    public static final int NORMAL = 1000;
    /** Server going away (restart, drain): reconnect, to a peer if there is one. */
    public static final int GOING_AWAY = 1001;
    /** A frame that does not decode as our protocol: fix the client; reconnecting repeats the error. */
    public static final int PROTOCOL_ERROR = 1002;
    /** A text frame, or a message type a client may not send. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** Refused by policy (bad request at the handshake, auth). Do not reconnect blindly. */
    public static final int POLICY_VIOLATION = 1008;
    /** Server error: reconnect with backoff. */
    public static final int INTERNAL_ERROR = 1011;
    /** Overloaded or too slow: reconnect with a longer backoff and resume from the last sequence. */
    public static final int TRY_AGAIN_LATER = 1013;

    private CloseCodes()
    {
    }
}
