package io.pushengine.edge;

import io.pushengine.engine.PushEngine;
import org.agrona.CloseHelper;

import java.io.File;
import java.net.URI;

/**
 * Test fixture: a real engine (embedded media driver, Chronicle journal in a temp dir) and a real edge on an
 * ephemeral port of 127.0.0.1, attached to each other only through Aeron.
 */
final class EmbeddedPush implements AutoCloseable
{
    final PushEngine engine;
    EdgeServer edge;

    EmbeddedPush(final File journalDir)
    {
        this(journalDir, null, null, new EdgeServer.Context());
    }

    EmbeddedPush(
        final File journalDir, final String eventsChannel, final String ingressChannel, final EdgeServer.Context edgeCtx)
    {
        this(new PushEngine.Context().journalDir(journalDir), eventsChannel, ingressChannel, edgeCtx);
    }

    EmbeddedPush(
        final PushEngine.Context engineCtx,
        final String eventsChannel,
        final String ingressChannel,
        final EdgeServer.Context edgeCtx)
    {
        if (null != eventsChannel)
        {
            engineCtx.eventsChannel(eventsChannel).ingressChannel(ingressChannel);
        }
        engine = PushEngine.launch(engineCtx);
        try
        {
            edge = launchEdge(edgeCtx, 0);
        }
        catch (final RuntimeException ex)
        {
            engine.close();
            throw ex;
        }
    }

    /**
     * An edge attached to this engine on {@code port} of 127.0.0.1, once ready.
     */
    private EdgeServer launchEdge(final EdgeServer.Context edgeCtx, final int port)
    {
        final EdgeServer server = EdgeServer.launch(edgeCtx
            .host("127.0.0.1")
            .port(port)
            .aeronDirectoryName(engine.aeronDirectoryName())
            .eventsChannel(engine.context().eventsChannel())
            .ingressChannel(engine.context().ingressChannel()));
        Await.await(server::isReady, () -> "edge not ready");
        return server;
    }

    /**
     * A second edge on this engine (an ephemeral port), for failover; the caller closes it.
     */
    EdgeServer launchPeerEdge(final EdgeServer.Context edgeCtx)
    {
        return launchEdge(edgeCtx, 0);
    }

    /**
     * Stop the edge (its clients see the connection drop) and start another on the same port with {@code edgeCtx}.
     */
    void restartEdge(final EdgeServer.Context edgeCtx)
    {
        final int port = edge.port();
        edge.close();
        edge = launchEdge(edgeCtx, port);
    }

    /**
     * The value of one of the engine's counters (its Aeron counters, as /metrics shows them).
     */
    long engineCounter(final io.pushengine.codec.metrics.CounterType type)
    {
        final long[] value = { -1 };
        final org.agrona.concurrent.status.CountersReader counters = engine.aeron().countersReader();
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == type.typeId() && "engine".equals(io.pushengine.codec.metrics.CounterType.source(keyBuffer, label)))
            {
                value[0] = counters.getCounterValue(counterId);
            }
        });
        return value[0];
    }

    URI http(final String pathAndQuery)
    {
        return URI.create("http://127.0.0.1:" + edge.port() + pathAndQuery);
    }

    URI ws(final String pathAndQuery)
    {
        return URI.create("ws://127.0.0.1:" + edge.port() + pathAndQuery);
    }

    public void close()
    {
        CloseHelper.closeAll(edge, engine);
    }
}
