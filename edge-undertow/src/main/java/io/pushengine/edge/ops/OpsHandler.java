package io.pushengine.edge.ops;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.pushengine.codec.metrics.PushMetricsCollector;
import io.pushengine.edge.http.Json;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The ops page: {@code GET /ops} is the page (one HTML file, no build step, like the client), {@code GET
 * /ops/metrics} its data, polled each second: every push counter and latency histogram this edge sees (its own and,
 * sharing a media driver, the engine's), as JSON, from the same collector as {@code /metrics}. The page computes
 * rates and quantiles from consecutive samples. Guarded by the admission ({@code OPERATE}): same origin, and the
 * {@code push:ops} scope when authentication is on; GET and HEAD only ({@code AllowedMethods}).
 */
public final class OpsHandler implements HttpHandler
{
    private static final String DATA_PATH = "/metrics";

    private final PushMetricsCollector collector;
    private final byte[] page;

    public OpsHandler(final CountersReader countersReader)
    {
        this.collector = new PushMetricsCollector(countersReader);
        try (InputStream in = OpsHandler.class.getResourceAsStream("/ops/ops.html"))
        {
            if (null == in)
            {
                throw new IllegalStateException("ops/ops.html is missing from the class path");
            }
            this.page = in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        final String path = exchange.getRelativePath();
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        if (DATA_PATH.equals(path))
        {
            if (exchange.isInIoThread())
            {
                exchange.dispatch(this);
                return;
            }
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(ByteBuffer.wrap(data(System.currentTimeMillis())
                .getBytes(StandardCharsets.UTF_8)));
        }
        else if (path.isEmpty() || "/".equals(path))
        {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
            exchange.getResponseSender().send(ByteBuffer.wrap(page));
        }
        else
        {
            exchange.setStatusCode(404);
            exchange.getResponseSender().send("no such ops resource: " + exchange.getRequestPath() +
                " (the page is /ops, its data /ops/metrics)\n");
        }
    }

    /**
     * <pre>
     * {"timeMs": 1764780000000,
     *  "series": [{"name": "push_edge_events_in_total", "labels": {"source": "edge:..."}, "value": 42}, ...],
     *  "histograms": [{"name": "push_edge_publish_to_write_seconds", "labels": {...},
     *                  "bounds": [5.0E-5, ..., "+Inf"], "counts": [per bucket, not cumulative], "sum": 0.012}]}
     * </pre>
     */
    String data(final long timeMs)
    {
        final StringBuilder series = new StringBuilder(8192);
        final StringBuilder histograms = new StringBuilder(4096);
        for (final MetricSnapshot snapshot : collector.collect())
        {
            final String name = snapshot.getMetadata().getPrometheusName();
            for (final DataPointSnapshot point : snapshot.getDataPoints())
            {
                if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot histogram)
                {
                    appendHistogram(histograms, name, histogram);
                }
                else
                {
                    final double value = point instanceof CounterSnapshot.CounterDataPointSnapshot counter ?
                        counter.getValue() : ((GaugeSnapshot.GaugeDataPointSnapshot)point).getValue();
                    final String fullName = snapshot instanceof CounterSnapshot ? name + "_total" : name;
                    series.append(series.length() > 0 ? "," : "").append("{\"name\":\"").append(fullName)
                        .append("\",\"labels\":");
                    appendLabels(series, point);
                    series.append(",\"value\":").append((long)value).append('}');
                }
            }
        }
        return "{\"timeMs\":" + timeMs + ",\"series\":[" + series + "],\"histograms\":[" + histograms + "]}";
    }

    private static void appendHistogram(
        final StringBuilder out, final String name, final HistogramSnapshot.HistogramDataPointSnapshot histogram)
    {
        final ClassicHistogramBuckets buckets = histogram.getClassicBuckets();
        out.append(out.length() > 0 ? "," : "").append("{\"name\":\"").append(name).append("\",\"labels\":");
        appendLabels(out, histogram);
        out.append(",\"bounds\":[");
        for (int i = 0; i < buckets.size(); i++)
        {
            final double bound = buckets.getUpperBound(i);
            out.append(i > 0 ? "," : "").append(Double.isInfinite(bound) ? "\"+Inf\"" : Double.toString(bound));
        }
        out.append("],\"counts\":[");
        for (int i = 0; i < buckets.size(); i++)
        {
            out.append(i > 0 ? "," : "").append(buckets.getCount(i));
        }
        out.append("],\"sum\":").append(histogram.getSum()).append('}');
    }

    private static void appendLabels(final StringBuilder out, final DataPointSnapshot point)
    {
        out.append('{');
        boolean first = true;
        for (final Label label : point.getLabels())
        {
            out.append(first ? "" : ",").append('"').append(Json.escape(label.getName())).append("\":\"")
                .append(Json.escape(label.getValue())).append('"');
            first = false;
        }
        out.append('}');
    }
}
