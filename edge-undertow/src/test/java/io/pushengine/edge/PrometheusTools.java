package io.pushengine.edge;

import org.junit.jupiter.api.Assumptions;

import java.io.File;

/**
 * Debian's Prometheus ({@code apt-get install prometheus}: the server and {@code promtool}). {@code .ci/run} installs
 * it and sets {@code PUSH_PROMETHEUS_TESTS=required}, so in CI a missing one fails the build instead of skipping.
 */
final class PrometheusTools
{
    static final File PROMTOOL = new File("/usr/bin/promtool");
    static final File PROMETHEUS = new File("/usr/bin/prometheus");

    private PrometheusTools()
    {
    }

    static void assumePresent()
    {
        final boolean present = PROMTOOL.canExecute() && PROMETHEUS.canExecute();
        if (!present && "required".equals(System.getenv("PUSH_PROMETHEUS_TESTS")))
        {
            throw new IllegalStateException("Prometheus tests are required but " + PROMTOOL + " or " + PROMETHEUS +
                " is missing: apt-get install prometheus");
        }
        Assumptions.assumeTrue(present, "Prometheus tests skipped: install prometheus (apt) to run them");
    }
}
