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
    final EdgeServer edge;

    EmbeddedPush(final File journalDir)
    {
        this(journalDir, null, null, new EdgeServer.Context());
    }

    EmbeddedPush(
        final File journalDir, final String eventsChannel, final String ingressChannel, final EdgeServer.Context edgeCtx)
    {
        final PushEngine.Context engineCtx = new PushEngine.Context().journalDir(journalDir);
        if (null != eventsChannel)
        {
            engineCtx.eventsChannel(eventsChannel).ingressChannel(ingressChannel);
        }
        engine = PushEngine.launch(engineCtx);
        try
        {
            edge = EdgeServer.launch(edgeCtx
                .host("127.0.0.1")
                .port(0)
                .aeronDirectoryName(engine.aeronDirectoryName())
                .eventsChannel(engine.context().eventsChannel())
                .ingressChannel(engine.context().ingressChannel()));
        }
        catch (final RuntimeException ex)
        {
            engine.close();
            throw ex;
        }
        Await.await(edge::isReady, () -> "edge not ready");
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
