package io.pushengine.edge;

import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.engine.PushEngine;
import org.agrona.CloseHelper;

import java.io.File;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pushengine.edge.Await.await;

/**
 * An engine whose agents a test thread invokes, so that a test can stop it between duty cycles: what an edge
 * offers meanwhile waits, unacknowledged.
 */
final class PausableEngine implements AutoCloseable
{
    private final AtomicBoolean runs = new AtomicBoolean(true);
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicBoolean over = new AtomicBoolean();
    private final PushEngine engine;
    private final Thread invoker;

    PausableEngine(final File journalDir)
    {
        this(new PushEngine.Context().journalDir(journalDir));
    }

    /**
     * @param ctx the engine's context (a small {@code termBufferLength} makes its ingress back pressure an edge soon
     *            after a pause); its threading mode is set to {@link AgentThreadingMode#INVOKER}.
     */
    PausableEngine(final PushEngine.Context ctx)
    {
        engine = PushEngine.launch(ctx.threadingMode(AgentThreadingMode.INVOKER));
        invoker = new Thread(() ->
        {
            engine.agentInvoker().start();
            while (!over.get())
            {
                if (!runs.get())
                {
                    stopped.set(true); // seen between duty cycles: none runs after this
                    Thread.onSpinWait();
                }
                else
                {
                    stopped.set(false);
                    if (0 == engine.agentInvoker().invoke())
                    {
                        Thread.onSpinWait();
                    }
                }
            }
        }, "engine-invoker");
        invoker.start();
    }

    EdgeServer edge(final EdgeServer.Context ctx)
    {
        final EdgeServer edge = EdgeServer.launch(ctx
            .host("127.0.0.1")
            .port(0)
            .aeronDirectoryName(engine.aeronDirectoryName())
            .eventsChannel(engine.context().eventsChannel())
            .ingressChannel(engine.context().ingressChannel()));
        await(edge::isReady, () -> "edge not ready");
        return edge;
    }

    void pause()
    {
        runs.set(false);
        await(stopped::get, () -> "the engine's invoker did not stop");
    }

    void resume()
    {
        runs.set(true);
    }

    public void close() throws InterruptedException
    {
        over.set(true);
        invoker.join();
        CloseHelper.close(engine);
    }
}
