package io.pushengine.edge.http;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.pushengine.codec.metrics.PushMetricsCollector;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.agrona.concurrent.status.CountersReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code GET /metrics}: every push engine counter and latency histogram in the Aeron CnC file this edge is attached
 * to ({@link PushMetricsCollector}: labelled {@code source="engine"}, {@code source="edge:PORT"}), then this
 * process's CPU, memory, GC and threads (the Prometheus Java client's JVM metrics: with the engine in another
 * process, those are the edge's alone). Prometheus text format, or OpenMetrics when the scraper asks for it.
 * Exposition is the Prometheus Java client's; the snapshot is built per scrape (every few seconds), off the IO
 * thread.
 */
public final class MetricsHandler implements HttpHandler
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormatWriter prometheusText = PrometheusTextFormatWriter.create();
    private final ExpositionFormatWriter openMetricsText = OpenMetricsTextFormatWriter.create();

    public MetricsHandler(final CountersReader countersReader)
    {
        registry.register(new PushMetricsCollector(countersReader));
        JvmMetrics.builder().register(registry);
    }

    public void handleRequest(final HttpServerExchange exchange) throws IOException
    {
        if (exchange.isInIoThread())
        {
            exchange.dispatch(this);
            return;
        }
        final String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT);
        final ExpositionFormatWriter writer = openMetricsText.accepts(accept) ? openMetricsText : prometheusText;
        final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, registry.scrape());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, writer.getContentType());
        exchange.getResponseSender().send(ByteBuffer.wrap(out.toByteArray()));
    }
}
