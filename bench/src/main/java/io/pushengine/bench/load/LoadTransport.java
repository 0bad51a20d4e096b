package io.pushengine.bench.load;

/**
 * The ways a load client can take events from an edge, as the browser client names them.
 */
public enum LoadTransport
{
    WEBSOCKET("websocket"),
    SSE("sse"),
    LONG_POLL("long-poll"),
    SHORT_POLL("short-poll");

    private final String label;

    LoadTransport(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }

    public static LoadTransport fromLabel(final String label)
    {
        for (final LoadTransport transport : values())
        {
            if (transport.label.equals(label))
            {
                return transport;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + label + "' (websocket, sse, long-poll, short-poll)");
    }
}
