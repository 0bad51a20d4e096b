package io.pushengine.codec.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.agrona.concurrent.status.CountersReader;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every push engine counter and latency histogram in an Aeron CnC file, as Prometheus metrics, read at scrape
 * time: register it with a {@code PrometheusRegistry} and any of the Prometheus Java client's exporters serves
 * them. Series are labelled {@code source} (the counter's label: {@code engine}, {@code edge:8080}) and, for a
 * labelled family, its own label ({@code transport}, {@code reason}). Counters of the same series (two
 * components of one process labelled alike, or one histogram per IO thread) are added up.
 */
public final class PushMetricsCollector implements MultiCollector
{
    private static final double NANOS_PER_SECOND = 1e9;

    private final CountersReader countersReader;

    public PushMetricsCollector(final CountersReader countersReader)
    {
        this.countersReader = countersReader;
    }

    public MetricSnapshots collect()
    {
        final Map<String, Map<Labels, Double>> counterValues = new TreeMap<>();
        final Map<String, CounterType> families = new LinkedHashMap<>();
        countersReader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CounterType type = CounterType.get(typeId);
            if (null != type)
            {
                final String source = CounterType.source(keyBuffer, label);
                final Labels labels = null == type.labelName() ?
                    Labels.of("source", source) : Labels.of("source", source, type.labelName(), type.labelValue());
                families.putIfAbsent(type.metricName(), type);
                counterValues.computeIfAbsent(type.metricName(), name -> new TreeMap<>())
                    .merge(labels, (double)countersReader.getCounterValue(counterId), Double::sum);
            }
        });
        final Map<HistogramType, Map<Labels, long[]>> histograms = new TreeMap<>();
        for (final LatencyHistogramSeries series : LatencyHistogramSeries.readAll(countersReader))
        {
            final HistogramType type = series.type();
            final Labels labels = null == type.labelName() ? Labels.of("source", series.source()) :
                Labels.of("source", series.source(), type.labelName(), series.labelValue());
            histograms.computeIfAbsent(type, t -> new TreeMap<>()).put(labels, series.values());
        }

        final MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        for (final Map.Entry<String, Map<Labels, Double>> family : counterValues.entrySet())
        {
            final CounterType type = families.get(family.getKey());
            if (type.isGauge())
            {
                final GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(type.metricName())
                    .help(type.familyHelp());
                family.getValue().forEach((labels, value) -> gauge.dataPoint(
                    GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build()));
                snapshots.metricSnapshot(gauge.build());
            }
            else
            {
                final CounterSnapshot.Builder counter = CounterSnapshot.builder().name(baseName(type.metricName()))
                    .help(type.familyHelp());
                family.getValue().forEach((labels, value) -> counter.dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build()));
                snapshots.metricSnapshot(counter.build());
            }
        }
        for (final Map.Entry<HistogramType, Map<Labels, long[]>> histogram : histograms.entrySet())
        {
            final HistogramType type = histogram.getKey();
            final HistogramSnapshot.Builder snapshot = HistogramSnapshot.builder().name(type.metricName())
                .help(type.help());
            histogram.getValue().forEach((labels, values) -> snapshot.dataPoint(
                HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(labels)
                    .classicHistogramBuckets(buckets(values))
                    .sum(values[LatencyHistogram.SUM_INDEX] / NANOS_PER_SECOND)
                    .build()));
            snapshots.metricSnapshot(snapshot.build());
        }
        return snapshots.build();
    }

    private static ClassicHistogramBuckets buckets(final long[] values)
    {
        final double[] upperBounds = new double[LatencyBuckets.COUNT];
        final long[] counts = new long[LatencyBuckets.COUNT];
        for (int i = 0; i < LatencyBuckets.COUNT; i++)
        {
            upperBounds[i] = LatencyBuckets.upperBoundSeconds(i);
            counts[i] = values[i];
        }
        return ClassicHistogramBuckets.of(upperBounds, counts);
    }

    /**
     * The Prometheus client names a counter without its {@code _total}, which its writers add.
     */
    private static String baseName(final String metricName)
    {
        return metricName.endsWith("_total") ? metricName.substring(0, metricName.length() - 6) : metricName;
    }
}
