package io.pushengine.codec.metrics;

/**
 * The bucket bounds of every latency histogram: 50 µs to 10 s in 1-2.5-5 steps, then {@code +Inf}. Fixed, so
 * histograms of every process and thread add up, and a dashboard's {@code histogram_quantile} works across them.
 */
public final class LatencyBuckets
{
    private static final long[] UPPER_BOUNDS_NS =
    {
        50_000L, 100_000L, 250_000L, 500_000L,
        1_000_000L, 2_500_000L, 5_000_000L,
        10_000_000L, 25_000_000L, 50_000_000L,
        100_000_000L, 250_000_000L, 500_000_000L,
        1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L,
    };

    /**
     * Buckets including the last, {@code +Inf}.
     */
    public static final int COUNT = UPPER_BOUNDS_NS.length + 1;

    private LatencyBuckets()
    {
    }

    /**
     * The bucket a latency falls in: the first whose upper bound is at or above it (a negative latency, from clocks
     * of two hosts, falls in the first).
     */
    public static int index(final long latencyNs)
    {
        final long[] bounds = UPPER_BOUNDS_NS;
        for (int i = 0; i < bounds.length; i++)
        {
            if (latencyNs <= bounds[i])
            {
                return i;
            }
        }
        return bounds.length;
    }

    /**
     * A bucket's upper bound in seconds, {@link Double#POSITIVE_INFINITY} for the last.
     */
    public static double upperBoundSeconds(final int index)
    {
        return index < UPPER_BOUNDS_NS.length ? UPPER_BOUNDS_NS[index] / 1e9 : Double.POSITIVE_INFINITY;
    }

    /**
     * A bucket's upper bound in nanoseconds, {@link Long#MAX_VALUE} for the last.
     */
    public static long upperBoundNs(final int index)
    {
        return index < UPPER_BOUNDS_NS.length ? UPPER_BOUNDS_NS[index] : Long.MAX_VALUE;
    }

    /**
     * The upper bound (ns) of the bucket holding the {@code quantile} of these per-bucket counts (what
     * {@code histogram_quantile} would bound it by), {@link Long#MAX_VALUE} in the last, -1 with no observation.
     */
    public static long quantileUpperBoundNs(final long[] counts, final double quantile)
    {
        long total = 0;
        for (int i = 0; i < COUNT; i++)
        {
            total += counts[i];
        }
        if (0 == total)
        {
            return -1;
        }
        final double rank = quantile * total;
        long cumulative = 0;
        for (int i = 0; i < COUNT; i++)
        {
            cumulative += counts[i];
            if (cumulative >= rank)
            {
                return upperBoundNs(i);
            }
        }
        return upperBoundNs(COUNT - 1);
    }
}
