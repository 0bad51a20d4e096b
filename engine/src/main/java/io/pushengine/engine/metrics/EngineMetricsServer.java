package io.pushengine.engine.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.pushengine.codec.metrics.PushMetricsCollector;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The standalone engine's own {@code /metrics} (it holds no HTTP server otherwise): every counter and latency
 * histogram in its Aeron counters file (its sequencer's and replay service's, and those of any client of its media
 * driver), and its JVM's, served by the Prometheus Java client's HTTP server (the JDK's {@code HttpServer}) on a
 * port of its own. Same names and labels as an edge's {@code /metrics}.
 */
public final class EngineMetricsServer implements AutoCloseable
{
    /**
     * Host to bind: {@code 127.0.0.1} by default (a scraper on another host needs it set, e.g. {@code 0.0.0.0}).
     */
    public static final String HOST_PROP_NAME = "push.engine.metrics.host";

    /**
     * Port: {@value #DEFAULT_PORT} by default, 0 for an ephemeral one, -1 for none.
     */
    public static final String PORT_PROP_NAME = "push.engine.metrics.port";
    public static final int DEFAULT_PORT = 9180;

    private final HTTPServer server;
    private final String host;

    private EngineMetricsServer(final HTTPServer server, final String host)
    {
        this.server = server;
        this.host = host;
    }

    /**
     * Serve {@code /metrics} on {@code host:port}.
     *
     * @throws UncheckedIOException naming the address if it cannot be bound.
     */
    public static EngineMetricsServer start(final String host, final int port, final CountersReader countersReader)
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new PushMetricsCollector(countersReader));
        JvmMetrics.builder().register(registry);
        try
        {
            return new EngineMetricsServer(
                HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart(), host);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot serve the engine's metrics on " + host + ":" + port + " (" +
                PORT_PROP_NAME + ", -1 for none): " + ex.getMessage(), ex);
        }
    }

    /**
     * From {@value #HOST_PROP_NAME} and {@value #PORT_PROP_NAME}; null when the port is -1.
     *
     * @throws IllegalArgumentException if the port is not a number from -1 to 65535.
     */
    public static EngineMetricsServer startFromSystemProperties(final CountersReader countersReader)
    {
        final String portText = System.getProperty(PORT_PROP_NAME, String.valueOf(DEFAULT_PORT)).trim();
        final int port;
        try
        {
            port = Integer.parseInt(portText);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(PORT_PROP_NAME + "=" + portText + ": not a port number");
        }
        if (port < -1 || port > 65535)
        {
            throw new IllegalArgumentException(PORT_PROP_NAME + "=" + port + ": a port from 0 to 65535, or -1 for none");
        }
        return -1 == port ? null :
            start(System.getProperty(HOST_PROP_NAME, "127.0.0.1").trim(), port, countersReader);
    }

    /**
     * Where a scraper finds it.
     */
    public String url()
    {
        return "http://" + host + ":" + server.getPort() + "/metrics";
    }

    public void close()
    {
        server.close();
    }
}
