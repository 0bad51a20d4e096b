package io.pushengine.edge.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code GET /ready}: 200 {@code READY} once the edge has taken every event the engine had issued when it last
 * answered the edge's catalog request (in order, no gap being recovered), else 503 {@code CATCHING_UP} with both
 * positions. For a load balancer's readiness check: {@code /health} says the edge is attached; this says it will
 * not serve a resuming client from behind. A draining edge answers 503 {@code DRAINING}: take it out of rotation.
 */
public final class ReadyHandler implements HttpHandler
{
    private final BooleanSupplier caughtUp;
    private final LongSupplier streamPosition;
    private final LongSupplier enginePosition;
    private final BooleanSupplier draining;

    public ReadyHandler(
        final BooleanSupplier caughtUp,
        final LongSupplier streamPosition,
        final LongSupplier enginePosition,
        final BooleanSupplier draining)
    {
        this.caughtUp = caughtUp;
        this.draining = draining;
        this.streamPosition = streamPosition;
        this.enginePosition = enginePosition;
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        final boolean drain = draining.getAsBoolean();
        final boolean ready = !drain && caughtUp.getAsBoolean();
        HttpResponses.json(exchange, ready ? 200 : 503,
            "{\"status\":\"" + (drain ? "DRAINING" : ready ? "READY" : "CATCHING_UP") + "\",\"streamPosition\":" +
            streamPosition.getAsLong() + ",\"enginePosition\":" + enginePosition.getAsLong() + "}\n");
    }
}
