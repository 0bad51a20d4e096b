package io.pushengine.edge.http;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.undertow.server.HttpServerExchange;

import java.util.Deque;

/**
 * The {@code policy=conflate|disconnect} query parameter: what happens when this connection falls behind.
 */
public final class PolicyParameter
{
    public static final String INVALID_REASON = "policy must be one of: disconnect, conflate";

    private PolicyParameter()
    {
    }

    /**
     * @return the policy asked for, the default when absent, or null when invalid.
     */
    public static BackpressurePolicy parse(final HttpServerExchange exchange, final BackpressurePolicy defaultPolicy)
    {
        final Deque<String> values = exchange.getQueryParameters().get("policy");
        return null == values || values.isEmpty() ? defaultPolicy : BackpressurePolicy.parse(values.getFirst());
    }
}
