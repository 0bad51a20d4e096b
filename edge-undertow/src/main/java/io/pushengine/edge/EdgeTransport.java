package io.pushengine.edge;

import java.util.EnumSet;
import java.util.Locale;

/**
 * The ways a client can take events from an edge, best first: the order a browser client falls back in.
 */
public enum EdgeTransport
{
    WEBSOCKET("websocket"),
    SSE("sse"),
    LONG_POLL("long-poll"),
    SHORT_POLL("short-poll");

    private final String label;

    EdgeTransport(final String label)
    {
        this.label = label;
    }

    /**
     * The name in configuration and in reasons given to clients.
     */
    public String label()
    {
        return label;
    }

    /**
     * Parse a comma separated list such as {@code websocket,sse,long-poll,short-poll}.
     *
     * @throws IllegalArgumentException naming the unknown entry.
     */
    public static EnumSet<EdgeTransport> parseList(final String list)
    {
        final EnumSet<EdgeTransport> transports = EnumSet.noneOf(EdgeTransport.class);
        for (final String name : list.split(","))
        {
            final String trimmed = name.trim().toLowerCase(Locale.ROOT);
            if (trimmed.isEmpty())
            {
                continue;
            }
            EdgeTransport found = null;
            for (final EdgeTransport transport : values())
            {
                if (transport.label.equals(trimmed))
                {
                    found = transport;
                }
            }
            if (null == found)
            {
                throw new IllegalArgumentException(EdgeConfiguration.TRANSPORTS_PROP_NAME + " lists an unknown " +
                    "transport '" + name + "'; known: websocket, sse, long-poll, short-poll");
            }
            transports.add(found);
        }
        return transports;
    }
}
