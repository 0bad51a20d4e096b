package io.pushengine.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.metrics.HistogramType;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard in {@code grafana/} is valid JSON and asks only for metrics the engine and edges serve, so a
 * renamed counter breaks the build rather than a panel in production.
 */
class GrafanaDashboardTest
{
    private static final Pattern METRIC = Pattern.compile("\\b((?:push|process|jvm)_[a-z_]+)\\b");
    private static final List<String> PROCESS_METRICS = List.of(
        "process_cpu_seconds_total", "process_resident_memory_bytes", "jvm_memory_used_bytes",
        "jvm_buffer_pool_used_bytes");

    @Test
    void everyPanelQueriesMetricsThatExist() throws Exception
    {
        final JsonNode dashboard = new ObjectMapper().readTree(new File("grafana/push-engine-dashboard.json"));
        assertEquals("push-engine", dashboard.get("uid").asText());
        final Set<String> known = new HashSet<>(PROCESS_METRICS);
        for (final CounterType type : CounterType.values())
        {
            known.add(type.metricName());
        }
        for (final HistogramType type : HistogramType.values())
        {
            for (final String suffix : List.of("_bucket", "_sum", "_count"))
            {
                known.add(type.metricName() + suffix);
            }
        }
        final Set<String> unknown = new TreeSet<>();
        int queries = 0;
        for (final JsonNode panel : dashboard.get("panels"))
        {
            assertTrue(panel.hasNonNull("title"), "a panel without a title");
            for (final JsonNode target : panel.get("targets"))
            {
                queries++;
                final Matcher metric = METRIC.matcher(target.get("expr").asText());
                while (metric.find())
                {
                    if (!known.contains(metric.group(1)))
                    {
                        unknown.add(metric.group(1));
                    }
                }
            }
        }
        assertTrue(queries >= 12, "queries: " + queries);
        final Set<String> selectors = new HashSet<>();
        for (final CounterType type : CounterType.values())
        {
            selectors.add(type.selector());
        }
        final Matcher selector = Pattern.compile("(push_[a-z_]+\\{(?:reason|transport)=\\\"[a-z_]+\\\"})")
            .matcher(dashboard.toString().replace("\\\"", "\""));
        while (selector.find())
        {
            if (!selectors.contains(selector.group(1)))
            {
                unknown.add(selector.group(1));
            }
        }
        assertTrue(unknown.isEmpty(), "metrics no part of the engine serves: " + unknown);
    }
}
