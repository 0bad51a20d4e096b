package io.pushengine.bench.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report's latency plot: a phase of millions of samples once hung the harness in XChart's axis ticks (repeated
 * tick labels, knowm/XChart#799); the plot must finish, and the harness must stop even if it did not.
 */
class LoadReportTest
{
    @TempDir
    Path dir;

    @Test
    void percentileLabelsOfDistinctTicksAreDistinct()
    {
        final Set<String> labels = new HashSet<>();
        for (int tick = 0; tick <= 10 * (int)LoadReport.MAX_PLOT_LEVEL; tick++) // ticks 0.1 apart
        {
            final String label = LoadReport.percentileLabel(tick / 10.0);
            assertTrue(labels.add(label), "label " + label + " repeats at x = " + tick / 10.0);
        }
        assertEquals("90%", LoadReport.percentileLabel(1));
        assertEquals("99%", LoadReport.percentileLabel(2));
        assertEquals("99.9%", LoadReport.percentileLabel(3));
        assertEquals("99.999%", LoadReport.percentileLabel(5));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void plotOfAPhaseOfMillionsOfSamplesIsWritten() throws Exception
    {
        final Histogram latency = new Histogram(3);
        latency.recordValueWithCount(2_000_000, 15_000_000 - 1); // 2 ms, as a 1.5M deliveries/s run for 10 s
        latency.recordValue(300_000_000);
        final PhaseResult.Transport transport = new PhaseResult.Transport(LoadTransport.WEBSOCKET, "websocket", 1000,
            1000, latency, new Histogram(3), new Histogram(3),
            new TransportStats.Totals(15_000_000, 0, 0, 0, 0, 0, 0), 0, 0, null);
        final PhaseResult phase = new PhaseResult(
            "broadcast", 1500, 1500, 0, 10_000, 0, 100, 0, 0, 0, 0, 0, List.of(transport));
        final Path png = dir.resolve("plot.png");

        assertTrue(LoadReport.plotWithin(List.of(phase), png, 50_000), "the plot finished");
        assertTrue(Files.size(png) > 0);
    }
}
