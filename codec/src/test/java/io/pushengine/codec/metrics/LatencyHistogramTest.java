package io.pushengine.codec.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Histograms in counters, recorded by one thread each and added up by the reader into one Prometheus series.
 */
class LatencyHistogramTest
{
    private final CountersManager counters = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(256 * CountersManager.METADATA_LENGTH)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(256 * CountersManager.COUNTER_LENGTH)));

    @Test
    void bucketsAreTheFirstUpperBoundAtOrAboveTheLatency()
    {
        assertEquals(0, LatencyBuckets.index(-5), "a negative latency (two hosts' clocks) goes in the first");
        assertEquals(0, LatencyBuckets.index(50_000));
        assertEquals(1, LatencyBuckets.index(50_001));
        assertEquals(4, LatencyBuckets.index(1_000_000));
        assertEquals(LatencyBuckets.COUNT - 1, LatencyBuckets.index(Long.MAX_VALUE));
        assertEquals(Double.POSITIVE_INFINITY, LatencyBuckets.upperBoundSeconds(LatencyBuckets.COUNT - 1));
        for (int i = 0; i < LatencyBuckets.COUNT - 1; i++)
        {
            final long bound = LatencyBuckets.upperBoundNs(i);
            assertEquals(i, LatencyBuckets.index(bound), "on bucket " + i + "'s bound");
            assertEquals(i, LatencyBuckets.index(bound - 1), "just under bucket " + i + "'s bound");
            assertEquals(i + 1, LatencyBuckets.index(bound + 1), "just over bucket " + i + "'s bound");
        }
    }

    @Test
    void nothingReachesTheCountersUntilFlushedAndTwoWritersOfOneSeriesAddUp()
    {
        final LatencyHistogram ioThread1 = LatencyHistogram.allocate(
            counters::newCounter, HistogramType.EDGE_PUBLISH_TO_WRITE, "edge:1", "websocket");
        final LatencyHistogram ioThread2 = LatencyHistogram.allocate(
            counters::newCounter, HistogramType.EDGE_PUBLISH_TO_WRITE, "edge:1", "websocket");
        final LatencyHistogram sse = LatencyHistogram.allocate(
            counters::newCounter, HistogramType.EDGE_PUBLISH_TO_WRITE, "edge:1", "sse");

        ioThread1.record(30_000);
        ioThread1.record(2_000_000);
        assertEquals(0, ioThread1.count(), "recorded, not flushed");
        ioThread1.flush();
        ioThread1.flush();
        assertEquals(2, ioThread1.count(), "a second flush adds nothing");
        ioThread2.record(2_000_000);
        ioThread2.flush();
        sse.record(20_000_000_000L);
        sse.flush();

        final String text = expose();
        assertTrue(text.contains("# TYPE push_edge_publish_to_write_seconds histogram"), text);
        final String ws = "source=\"edge:1\",transport=\"websocket\"";
        assertTrue(text.contains("push_edge_publish_to_write_seconds_bucket{" + ws + ",le=\"5.0E-5\"} 1\n"), text);
        assertTrue(text.contains("push_edge_publish_to_write_seconds_bucket{" + ws + ",le=\"0.001\"} 1\n"), text);
        assertTrue(text.contains("push_edge_publish_to_write_seconds_bucket{" + ws + ",le=\"0.0025\"} 3\n"), text);
        assertTrue(text.contains("push_edge_publish_to_write_seconds_bucket{" + ws + ",le=\"+Inf\"} 3\n"), text);
        assertTrue(text.contains("push_edge_publish_to_write_seconds_count{" + ws + "} 3\n"), text);
        assertTrue(text.contains("push_edge_publish_to_write_seconds_sum{" + ws + "} 0.00403\n"), text);
        final String sseSeries = "source=\"edge:1\",transport=\"sse\"";
        assertTrue(text.contains("push_edge_publish_to_write_seconds_bucket{" + sseSeries + ",le=\"10.0\"} 0\n"), text);
        assertTrue(text.contains("push_edge_publish_to_write_seconds_bucket{" + sseSeries + ",le=\"+Inf\"} 1\n"),
            text);
    }

    @Test
    void labelledCounterFamiliesAreOneMetricWithALabel()
    {
        counters.newCounter("edge:1", CounterType.EDGE_LAG_DISCONNECTS.typeId()).set(3);
        counters.newCounter("edge:1", CounterType.EDGE_IDLE_CLOSES.typeId()).set(4);
        counters.newCounter("edge:1", CounterType.EDGE_EVENTS_IN.typeId()).set(5);
        counters.newCounter("edge:1", CounterType.EDGE_EVENTS_IN.typeId()).set(6); // same series: added up

        final String text = expose();
        assertTrue(text.contains("# TYPE push_edge_disconnects_total counter"), text);
        assertTrue(text.contains("push_edge_disconnects_total{reason=\"lag\",source=\"edge:1\"} 3.0\n"), text);
        assertTrue(text.contains("push_edge_disconnects_total{reason=\"idle\",source=\"edge:1\"} 4.0\n"), text);
        assertTrue(text.contains("push_edge_events_in_total{source=\"edge:1\"} 11.0\n"), text);
    }

    @Test
    void aLabelIsRequiredExactlyWhenTheTypeHasOne()
    {
        assertThrows(IllegalArgumentException.class, () -> LatencyHistogram.allocate(
            counters::newCounter, HistogramType.EDGE_PUBLISH_TO_WRITE, "edge:1", null));
        assertThrows(IllegalArgumentException.class, () -> LatencyHistogram.allocate(
            counters::newCounter, HistogramType.ENGINE_PUBLISH_TO_JOURNAL, "engine", "websocket"));
    }

    private String expose()
    {
        try
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, new PushMetricsCollector(counters).collect());
            return out.toString(StandardCharsets.UTF_8);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
