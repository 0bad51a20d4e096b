package io.pushengine.edge.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which long-lived streams are compressed, and how many may be at once. A compressed stream keeps a deflater for
 * its whole life (zlib's window and hash tables, ~260 KiB of native memory each), so their number is bounded: past
 * {@link #maxStreams()} a stream is served uncompressed (counted), never refused. Poll answers are compressed per
 * answer by Undertow and need no budget. Thread safe.
 */
public final class StreamCompression
{
    private final boolean sse;
    private final boolean webSocket;
    private final int maxStreams;
    private final AtomicInteger streams = new AtomicInteger();

    /**
     * @param sse        gzip SSE streams for clients that send {@code Accept-Encoding: gzip}.
     * @param webSocket  accept permessage-deflate from WebSocket clients that offer it.
     * @param maxStreams most compressed streams at once (SSE and WebSocket together).
     */
    public StreamCompression(final boolean sse, final boolean webSocket, final int maxStreams)
    {
        if (maxStreams < 0)
        {
            throw new IllegalArgumentException("at least 0 compressed streams: " + maxStreams);
        }
        this.sse = sse;
        this.webSocket = webSocket;
        this.maxStreams = maxStreams;
    }

    public boolean sse()
    {
        return sse;
    }

    public boolean webSocket()
    {
        return webSocket;
    }

    public int maxStreams()
    {
        return maxStreams;
    }

    /**
     * @return compressed streams open now.
     */
    public int streams()
    {
        return streams.get();
    }

    /**
     * Take one stream of the budget.
     *
     * @return false when all are in use: serve this one uncompressed.
     */
    public boolean tryAcquire()
    {
        int current;
        do
        {
            current = streams.get();
            if (current >= maxStreams)
            {
                return false;
            }
        }
        while (!streams.compareAndSet(current, current + 1));
        return true;
    }

    /**
     * A compressed stream ended: its deflater's memory is free again.
     */
    public void release()
    {
        streams.decrementAndGet();
    }

    /**
     * Whether the request's {@code Accept-Encoding} takes gzip ({@code gzip} or {@code *} without {@code q=0}).
     */
    public static boolean acceptsGzip(final HttpServerExchange exchange)
    {
        final HeaderValues values = exchange.getRequestHeaders().get(Headers.ACCEPT_ENCODING);
        if (null == values)
        {
            return false;
        }
        for (final String value : values)
        {
            for (final String coding : value.split(","))
            {
                final String[] parts = coding.split(";");
                final String name = parts[0].trim();
                if (("gzip".equalsIgnoreCase(name) || "*".equals(name)) && !refused(parts))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean refused(final String[] parts)
    {
        for (int i = 1; i < parts.length; i++)
        {
            final String parameter = parts[i].trim();
            if (parameter.startsWith("q="))
            {
                try
                {
                    return Double.parseDouble(parameter.substring(2)) <= 0;
                }
                catch (final NumberFormatException ex)
                {
                    return true;
                }
            }
        }
        return false;
    }
}
