package io.pushengine.bench.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The edge's {@code /metrics} at an instant: each metric summed over its sources, by name
 * ({@code push_edge_events_in_total}) and by name and its other labels
 * ({@code push_edge_disconnects_total{reason="lag"}}).
 */
final class ServerMetrics
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Map<String, Double> values;

    private ServerMetrics(final Map<String, Double> values)
    {
        this.values = values;
    }

    static ServerMetrics read(final String baseUrl)
    {
        try
        {
            final String body = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
            final Map<String, Double> values = new HashMap<>();
            for (final String line : body.split("\n"))
            {
                if (line.isEmpty() || line.startsWith("#"))
                {
                    continue;
                }
                final int space = line.lastIndexOf(' ');
                final int brace = line.indexOf('{');
                final boolean labelled = brace >= 0 && brace < space;
                final String name = line.substring(0, labelled ? brace : space);
                final double value = Double.parseDouble(line.substring(space + 1));
                values.merge(name, value, Double::sum);
                if (labelled)
                {
                    final StringBuilder own = new StringBuilder();
                    for (final String label : line.substring(brace + 1, line.lastIndexOf('}')).split(","))
                    {
                        if (!label.startsWith("source="))
                        {
                            own.append(own.length() > 0 ? "," : "").append(label);
                        }
                    }
                    if (own.length() > 0)
                    {
                        values.merge(name + "{" + own + "}", value, Double::sum);
                    }
                }
            }
            return new ServerMetrics(values);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot read " + baseUrl + "/metrics: " + ex, ex);
        }
    }

    /**
     * The value, or -1 when the edge does not report it.
     */
    double get(final String name)
    {
        return values.getOrDefault(name, -1.0);
    }

    /**
     * {@code later - this} for one metric, 0 if either is missing.
     */
    double delta(final ServerMetrics later, final String name)
    {
        final double before = get(name);
        final double after = later.get(name);
        return before < 0 || after < 0 ? 0 : after - before;
    }
}
