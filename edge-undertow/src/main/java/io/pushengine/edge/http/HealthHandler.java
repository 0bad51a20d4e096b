package io.pushengine.edge.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code GET /health}: 200 {@code UP} when the edge receives the engine's event stream and has its topic catalog,
 * 503 {@code STARTING} otherwise. Usable as a load balancer check.
 */
public final class HealthHandler implements HttpHandler
{
    private final BooleanSupplier eventStreamConnected;
    private final BooleanSupplier catalogComplete;
    private final LongSupplier connections;

    public HealthHandler(
        final BooleanSupplier eventStreamConnected, final BooleanSupplier catalogComplete, final LongSupplier connections)
    {
        this.eventStreamConnected = eventStreamConnected;
        this.catalogComplete = catalogComplete;
        this.connections = connections;
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        final boolean connected = eventStreamConnected.getAsBoolean();
        final boolean catalog = catalogComplete.getAsBoolean();
        final boolean up = connected && catalog;
        HttpResponses.json(exchange, up ? 200 : 503,
            "{\"status\":\"" + (up ? "UP" : "STARTING") + "\",\"eventStreamConnected\":" + connected +
            ",\"catalogComplete\":" + catalog + ",\"connections\":" + connections.getAsLong() + "}\n");
    }
}
