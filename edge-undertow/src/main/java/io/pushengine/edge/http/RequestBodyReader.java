package io.pushengine.edge.http;

import io.undertow.io.Receiver;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a request body of known length (a {@code Content-Length} of at most the given limit) with bulk reads into
 * the IO thread's scratch array and hands it over in place. Undertow's {@code receiveFullBytes} takes a pooled buffer
 * per request, copies the body out of it a byte at a time into a synchronized {@code ByteArrayOutputStream} and then
 * into a new array: about 3 % of a single POST's CPU (bench/README, fourteenth session); here a body that has arrived
 * with its head (a small POST's always has) costs one bulk copy and nothing allocated.
 * <p>
 * A body that has not all arrived yet is copied into an array of its own and read on as the rest comes, and the
 * handler is called then, as Undertow calls its own. A body of unknown length (chunked) goes to Undertow's receiver.
 * <p>
 * IO thread only. The array handed to {@link BodyHandler#onBody} is the thread's scratch: it is valid only until the
 * handler reads another body or sends an answer (which may start the next pipelined request on this thread), so a
 * handler uses the body first and copies what it keeps.
 */
final class RequestBodyReader
{
    /**
     * What the body is for.
     */
    @FunctionalInterface
    interface BodyHandler
    {
        /**
         * @param exchange the request.
         * @param body     holds the body from index 0; valid only during this call.
         * @param length   of the body.
         */
        void onBody(HttpServerExchange exchange, byte[] body, int length);
    }

    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private RequestBodyReader()
    {
    }

    /**
     * Read the body of {@code exchange} and pass it to {@code handler}, or an error to {@code onError}.
     *
     * @param exchange  whose body to read; nothing of it read yet.
     * @param maxLength the largest body accepted; a larger {@code Content-Length} must have been refused before.
     * @param handler   called with the whole body.
     * @param onError   called if the body cannot be read (too large when its length was not declared, the peer
     *                  closed early, an I/O error).
     */
    static void receive(
        final HttpServerExchange exchange,
        final int maxLength,
        final BodyHandler handler,
        final Receiver.ErrorCallback onError)
    {
        final long contentLength = exchange.getRequestContentLength();
        if (contentLength < 0 || contentLength > maxLength)
        {
            exchange.getRequestReceiver().receiveFullBytes((ex, body) -> handler.onBody(ex, body, body.length), onError);
            return;
        }
        final StreamSourceChannel channel = exchange.getRequestChannel();
        if (null == channel)
        {
            onError.error(exchange, new IOException("request body already taken"));
            return;
        }
        final int length = (int)contentLength;
        final ByteBuffer scratch = scratch(length);
        try
        {
            int read;
            while ((read = channel.read(scratch)) > 0)
            {
                // until the fixed-length channel says the body is complete (-1) or the socket has no more yet (0)
            }
            if (read < 0)
            {
                handler.onBody(exchange, scratch.array(), scratch.position());
                return;
            }
        }
        catch (final IOException ex)
        {
            onError.error(exchange, ex);
            return;
        }
        final byte[] body = new byte[length];
        System.arraycopy(scratch.array(), 0, body, 0, scratch.position());
        readRest(exchange, channel, ByteBuffer.wrap(body, scratch.position(), length - scratch.position()), handler,
            onError);
    }

    private static void readRest(
        final HttpServerExchange exchange,
        final StreamSourceChannel channel,
        final ByteBuffer rest,
        final BodyHandler handler,
        final Receiver.ErrorCallback onError)
    {
        channel.getReadSetter().set(ready ->
        {
            try
            {
                int read;
                while ((read = ready.read(rest)) > 0)
                {
                    // as above
                }
                if (read < 0)
                {
                    ready.getReadSetter().set(null);
                    Connectors.executeRootHandler(ex -> handler.onBody(ex, rest.array(), rest.position()), exchange);
                }
            }
            catch (final IOException ex)
            {
                ready.getReadSetter().set(null);
                ready.suspendReads();
                Connectors.executeRootHandler(e -> onError.error(e, ex), exchange);
            }
        });
        channel.resumeReads();
    }

    private static ByteBuffer scratch(final int length)
    {
        ByteBuffer scratch = SCRATCH.get();
        if (null == scratch || scratch.capacity() < length)
        {
            scratch = ByteBuffer.allocate(Math.max(length, 4096));
            SCRATCH.set(scratch);
        }
        scratch.clear().limit(length);
        return scratch;
    }
}
