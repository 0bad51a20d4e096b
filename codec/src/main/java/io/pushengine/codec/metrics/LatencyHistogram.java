package io.pushengine.codec.metrics;

import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * A latency histogram kept in counters, for one writing thread: {@link #record} adds to plain fields (no allocation,
 * no atomic), {@link #flush} adds what was recorded to the counters (one ordered write per bucket that changed), so
 * a thread records per event and publishes per batch. Threads that record the same series each keep their own
 * histogram: readers ({@link PushMetricsCollector}) add up every histogram of the same type, source and label.
 * <p>
 * Each bucket is a counter of the histogram's type id, and so is the sum (in nanoseconds). Counter key:
 * <pre>
 *   0              4
 *   +--------------+--------------------------+-----------------------------+
 *   | bucket index | source (int length+ASCII) | label value (int length+ASCII) |
 *   +--------------+--------------------------+-----------------------------+
 * </pre>
 * The bucket index of the sum is {@link #SUM_INDEX}; buckets count their own observations (not cumulative).
 */
public final class LatencyHistogram implements AutoCloseable
{
    /**
     * Key bucket index of the counter holding the sum of observations, in nanoseconds.
     */
    public static final int SUM_INDEX = LatencyBuckets.COUNT;

    private static final int SOURCE_OFFSET = 4;

    private final AtomicCounter[] buckets;
    private final AtomicCounter sumNs;
    private final long[] pending = new long[LatencyBuckets.COUNT];
    private long pendingSumNs;
    private boolean dirty;

    private LatencyHistogram(final AtomicCounter[] buckets, final AtomicCounter sumNs)
    {
        this.buckets = buckets;
        this.sumNs = sumNs;
    }

    /**
     * @param source     what produced it, as the other counters of the process are labelled ({@code engine},
     *                   {@code edge:8080}).
     * @param labelValue the value of {@link HistogramType#labelName()}, or null for a type without a label.
     */
    public static LatencyHistogram allocate(
        final CounterAllocator allocator, final HistogramType type, final String source, final String labelValue)
    {
        if ((null == type.labelName()) != (null == labelValue))
        {
            throw new IllegalArgumentException(type.metricName() + " takes " +
                (null == type.labelName() ? "no label" : "a " + type.labelName() + " label"));
        }
        final UnsafeBuffer key = new UnsafeBuffer(new byte[CountersManager.MAX_KEY_LENGTH]);
        final UnsafeBuffer label = new UnsafeBuffer(new byte[CountersManager.MAX_LABEL_LENGTH]);
        final AtomicCounter[] buckets = new AtomicCounter[LatencyBuckets.COUNT];
        AtomicCounter sum = null;
        try
        {
            for (int i = 0; i <= SUM_INDEX; i++)
            {
                int keyLength = SOURCE_OFFSET;
                key.putInt(0, i);
                keyLength += key.putStringAscii(keyLength, source);
                keyLength += key.putStringAscii(keyLength, null == labelValue ? "" : labelValue);
                final String text = source + ' ' + type.metricName() +
                    (SUM_INDEX == i ? "_sum_ns" : "_bucket") + '{' +
                    (null == labelValue ? "" : type.labelName() + '=' + labelValue + (SUM_INDEX == i ? "" : ",")) +
                    (SUM_INDEX == i ? "" : "le=" + leText(i)) + '}';
                final int labelLength = label.putStringWithoutLengthAscii(0, text);
                final AtomicCounter counter = allocator.allocate(
                    type.typeId(), key, 0, keyLength, label, 0, Math.min(labelLength, label.capacity()));
                if (SUM_INDEX == i)
                {
                    sum = counter;
                }
                else
                {
                    buckets[i] = counter;
                }
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.closeAll(buckets);
            throw ex;
        }
        return new LatencyHistogram(buckets, sum);
    }

    /**
     * One observation, kept until {@link #flush}. Owning thread only.
     */
    public void record(final long latencyNs)
    {
        pending[LatencyBuckets.index(latencyNs)]++;
        pendingSumNs += Math.max(0, latencyNs);
        dirty = true;
    }

    /**
     * Add what was recorded since the last flush to the counters. Owning thread only.
     */
    public void flush()
    {
        if (!dirty)
        {
            return;
        }
        dirty = false;
        final long[] pending = this.pending;
        for (int i = 0; i < pending.length; i++)
        {
            final long count = pending[i];
            if (0 != count)
            {
                pending[i] = 0;
                buckets[i].getAndAddRelease(count);
            }
        }
        sumNs.getAndAddRelease(pendingSumNs);
        pendingSumNs = 0;
    }

    /**
     * Observations flushed so far, all buckets.
     */
    public long count()
    {
        long count = 0;
        for (final AtomicCounter bucket : buckets)
        {
            count += bucket.get();
        }
        return count;
    }

    public void close()
    {
        CloseHelper.closeAll(buckets);
        CloseHelper.close(sumNs);
    }

    /**
     * A counter's bucket index, from its key: {@link #SUM_INDEX} for the sum.
     */
    public static int bucketIndex(final DirectBuffer key)
    {
        return key.getInt(0);
    }

    /**
     * A counter's source, from its key.
     */
    public static String source(final DirectBuffer key)
    {
        return key.getStringAscii(SOURCE_OFFSET);
    }

    /**
     * A counter's label value, from its key: "" for a type without a label.
     */
    public static String labelValue(final DirectBuffer key)
    {
        final int sourceLength = key.getInt(SOURCE_OFFSET);
        return key.getStringAscii(SOURCE_OFFSET + 4 + sourceLength);
    }

    private static String leText(final int index)
    {
        final double bound = LatencyBuckets.upperBoundSeconds(index);
        return Double.isInfinite(bound) ? "+Inf" : Double.toString(bound);
    }
}
