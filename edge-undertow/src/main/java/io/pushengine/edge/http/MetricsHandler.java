package io.pushengine.edge.http;

import io.pushengine.codec.metrics.CounterType;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /metrics}: every push engine counter in the Aeron CnC file this edge is attached to, in the Prometheus
 * text format. Counters are labelled with their source ({@code engine}, {@code edge:PORT}). Then this process's CPU
 * time and memory ({@link ProcessMetrics}): with the engine in another process, those are the edge's alone.
 */
public final class MetricsHandler implements HttpHandler
{
    private final CountersReader countersReader;
    private final ProcessMetrics processMetrics = new ProcessMetrics();

    public MetricsHandler(final CountersReader countersReader)
    {
        this.countersReader = countersReader;
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        final Map<CounterType, List<String>> samples = new EnumMap<>(CounterType.class);
        countersReader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CounterType type = CounterType.get(typeId);
            if (null != type)
            {
                samples.computeIfAbsent(type, t -> new ArrayList<>()).add(
                    type.metricName() + "{source=\"" + label + "\"} " + countersReader.getCounterValue(counterId));
            }
        });

        final StringBuilder out = new StringBuilder(4096);
        for (final Map.Entry<CounterType, List<String>> entry : samples.entrySet())
        {
            final CounterType type = entry.getKey();
            out.append("# HELP ").append(type.metricName()).append(' ').append(type.help()).append('\n');
            out.append("# TYPE ").append(type.metricName()).append(' ')
                .append(type.isGauge() ? "gauge" : "counter").append('\n');
            for (final String sample : entry.getValue())
            {
                out.append(sample).append('\n');
            }
        }
        processMetrics.appendTo(out);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.getResponseSender().send(out.toString());
    }
}
