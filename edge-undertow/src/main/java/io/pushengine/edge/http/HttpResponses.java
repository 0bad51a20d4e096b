package io.pushengine.edge.http;

import io.pushengine.edge.EdgeCounters;
import io.undertow.io.IoCallback;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;

import java.nio.ByteBuffer;

/**
 * Plain responses with a reason a person can read. Every rejection is counted.
 */
public final class HttpResponses
{
    private HttpResponses()
    {
    }

    private static final Runnable NOTHING = () -> { };

    /**
     * Keep {@code exchange} open after its handler returns, holding no thread: it is answered later, from a task on
     * its IO thread (an acknowledgement, a poll's events, a deadline). Allocates nothing.
     */
    public static void answerLater(final HttpServerExchange exchange)
    {
        exchange.dispatch(SameThreadExecutor.INSTANCE, NOTHING);
    }

    /**
     * Answer {@code status} with a JSON body {@code {"status":..,"error":".."}} and count it.
     */
    public static void reject(
        final HttpServerExchange exchange, final int status, final String reason, final EdgeCounters counters)
    {
        counters.httpRejected().increment();
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send("{\"status\":" + status + ",\"error\":\"" + Json.escape(reason) + "\"}\n");
    }

    /**
     * A JSON answer already encoded; the sender may keep {@code body} until it is written.
     */
    public static void json(final HttpServerExchange exchange, final int status, final ByteBuffer body)
    {
        json(exchange, status, body, IoCallback.END_EXCHANGE);
    }

    /**
     * @param whenSent told when the sender has written {@code body} (or failed to), and ends the exchange.
     */
    public static void json(
        final HttpServerExchange exchange, final int status, final ByteBuffer body, final IoCallback whenSent)
    {
        exchange.setStatusCode(status);
        exchange.setResponseContentLength(body.remaining()); // the sender sets it only for its own END_EXCHANGE
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseSender().send(body, whenSent);
    }

    public static void json(final HttpServerExchange exchange, final int status, final String body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseSender().send(body);
    }
}
