package io.pushengine.codec.metrics;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One latency histogram series as a reader sees it: every writer's counters of the same type, source and label added
 * up ({@link LatencyHistogram}: one histogram per writing thread). What {@code /metrics}, {@code /ops} and
 * {@code stat} read.
 *
 * @param type       what it measures.
 * @param source     what produced it ({@code engine}, {@code edge:...}).
 * @param labelValue the value of {@link HistogramType#labelName()}, "" for a type without a label.
 * @param values     observations per bucket (not cumulative), then at {@link LatencyHistogram#SUM_INDEX} their
 *                   sum in nanoseconds.
 */
public record LatencyHistogramSeries(HistogramType type, String source, String labelValue, long[] values)
{
    /**
     * Every series in a counters file, in the order their first counters appear.
     */
    public static List<LatencyHistogramSeries> readAll(final CountersReader countersReader)
    {
        final Map<String, LatencyHistogramSeries> series = new LinkedHashMap<>();
        final UnsafeBuffer key = new UnsafeBuffer(0, 0);
        countersReader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final HistogramType type = HistogramType.get(typeId);
            if (null == type)
            {
                return;
            }
            key.wrap(keyBuffer, 0, keyBuffer.capacity());
            final int index = LatencyHistogram.bucketIndex(key);
            if (index < 0 || index > LatencyHistogram.SUM_INDEX)
            {
                return;
            }
            final String source = LatencyHistogram.source(key);
            final String labelValue = LatencyHistogram.labelValue(key);
            series.computeIfAbsent(type.typeId() + "\t" + source + "\t" + labelValue, k -> new LatencyHistogramSeries(
                type, source, labelValue, new long[LatencyHistogram.SUM_INDEX + 1])).values[index] +=
                countersReader.getCounterValue(counterId);
        });
        return new ArrayList<>(series.values());
    }

    /**
     * Observations in every bucket.
     */
    public long count()
    {
        long count = 0;
        for (int i = 0; i < LatencyBuckets.COUNT; i++)
        {
            count += values[i];
        }
        return count;
    }
}
