package io.pushengine.edge.http;

import io.pushengine.edge.EdgeCounters;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An endpoint's methods: any other (PATCH, DELETE, an unknown one) is answered 405 with {@code Allow} and the reason,
 * and counted, before the endpoint sees it. Cross-origin preflights ({@code OPTIONS} with an {@code Origin}) are
 * answered by the admission in front of this.
 */
public final class AllowedMethods implements HttpHandler
{
    private final Set<HttpString> allowed;
    private final String allowHeader;
    private final HttpHandler endpoint;
    private final EdgeCounters counters;

    private AllowedMethods(final HttpHandler endpoint, final EdgeCounters counters, final HttpString... methods)
    {
        this.allowed = Set.of(methods);
        this.allowHeader = Stream.of(methods).map(HttpString::toString).collect(Collectors.joining(", "));
        this.endpoint = endpoint;
        this.counters = counters;
    }

    /**
     * {@code endpoint}, for {@code methods} only.
     */
    public static HttpHandler only(final EdgeCounters counters, final HttpHandler endpoint, final HttpString... methods)
    {
        return new AllowedMethods(endpoint, counters, methods);
    }

    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        if (allowed.contains(exchange.getRequestMethod()))
        {
            endpoint.handleRequest(exchange);
            return;
        }
        exchange.getResponseHeaders().put(Headers.ALLOW, allowHeader);
        HttpResponses.reject(exchange, 405, exchange.getRequestMethod() + " is not allowed on " +
            exchange.getRequestPath() + ": " + allowHeader, counters);
    }
}
