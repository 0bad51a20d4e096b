package io.pushengine.app;

import io.aeron.driver.MediaDriver;
import io.pushengine.edge.EdgeServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.ShutdownSignalBarrier;

/**
 * The {@code edge} role: an Undertow edge in its own process, with its own media driver (or attached to the one at
 * {@code push.aeron.dir} when {@code push.aeron.embedded.driver=false}), subscribed to the engine's event stream
 * over {@code push.events.channel} and publishing to {@code push.ingress.channel}. Prints one line starting
 * {@value #READY_LINE} with its address once it listens.
 * <p>
 * SIGTERM (or Ctrl-C) drains it: {@code /ready} goes 503, new connections are refused with a reconnect hint, and
 * the open ones are closed with 1001 spread over {@code push.edge.drain.ms}, then the process exits.
 */
final class EdgeMain
{
    static final String READY_LINE = "push-edge ready";

    private EdgeMain()
    {
    }

    static void run()
    {
        final ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
        MediaDriver driver = null;
        EdgeServer edge = null;
        try
        {
            driver = EmbeddedMediaDriver.launchIfConfigured("edge");
            edge = EdgeServer.launch(new EdgeServer.Context()
                .aeronDirectoryName(EmbeddedMediaDriver.aeronDirectoryName(driver)));
            System.out.println(READY_LINE + " " + edge.scheme() + "://" + edge.host() + ":" + edge.port() + "/" +
                (null != driver ? " aeronDir=" + driver.aeronDirectoryName() : ""));
            System.out.flush();
            barrier.await();
            System.out.println("push-edge draining");
            System.out.flush();
            System.out.println("push-edge drained: " + edge.drain() + " connections left");
            System.out.flush();
        }
        finally
        {
            CloseHelper.closeAll(edge, driver, barrier);
        }
    }
}
