package io.pushengine.edge.session;

import io.pushengine.codec.metrics.CounterAllocator;
import io.pushengine.codec.metrics.HistogramType;
import io.pushengine.codec.metrics.LatencyHistogram;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge's latency histograms: one for the fan-out (publish to taken from the stream) and one per IO thread and
 * transport (publish to written), each with a single writer, all labelled with the edge's source. Readers add up the
 * IO threads' histograms of a transport. Allocation is thread-safe; recording belongs to each histogram's thread.
 */
public final class DeliveryLatencies implements AutoCloseable
{
    private static final int UNREGISTERED_COUNTERS = 32 * (LatencyHistogram.SUM_INDEX + 1);

    private final CounterAllocator allocator;
    private final String source;
    private final List<LatencyHistogram> allocated = new ArrayList<>();
    private final Map<String, ArrayDeque<LatencyHistogram>> spares = new HashMap<>();
    private boolean closed;

    /**
     * @param allocator {@code aeron::addCounter}: the histograms land in the CnC file, so {@code /metrics} and
     *                  {@code stat} read them.
     * @param source    the edge's counter label.
     */
    public DeliveryLatencies(final CounterAllocator allocator, final String source)
    {
        this.allocator = allocator;
        this.source = source;
    }

    /**
     * Histograms kept in counters of their own, read by nobody: for tests and benchmarks without an Aeron client.
     */
    public static DeliveryLatencies unregistered()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(UNREGISTERED_COUNTERS * CountersManager.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(UNREGISTERED_COUNTERS * CountersManager.COUNTER_LENGTH)));
        return new DeliveryLatencies(manager::newCounter, "unregistered");
    }

    /**
     * A histogram for the fan-out thread: publish to the fan-out taking the event.
     */
    public synchronized LatencyHistogram newPublishToFanOut()
    {
        return keep(LatencyHistogram.allocate(allocator, HistogramType.EDGE_PUBLISH_TO_FAN_OUT, source, null));
    }

    /**
     * Allocate {@code count} publish-to-write histograms of a transport now (one per IO thread), so an IO thread
     * that serves its first connection of the transport takes one instead of waiting for the media driver to
     * allocate counters (a round trip each).
     */
    public synchronized void preallocate(final String transport, final int count)
    {
        final ArrayDeque<LatencyHistogram> spare = spares.computeIfAbsent(transport, t -> new ArrayDeque<>());
        for (int i = 0; i < count; i++)
        {
            spare.add(keep(LatencyHistogram.allocate(
                allocator, HistogramType.EDGE_PUBLISH_TO_WRITE, source, transport)));
        }
    }

    /**
     * A histogram for one IO thread's connections of one transport: publish to written. One allocated beforehand
     * ({@link #preallocate}) if any is left.
     */
    public synchronized LatencyHistogram newPublishToWrite(final String transport)
    {
        final ArrayDeque<LatencyHistogram> spare = spares.get(transport);
        if (null != spare && !spare.isEmpty())
        {
            return spare.poll();
        }
        return keep(LatencyHistogram.allocate(allocator, HistogramType.EDGE_PUBLISH_TO_WRITE, source, transport));
    }

    private LatencyHistogram keep(final LatencyHistogram histogram)
    {
        if (closed)
        {
            histogram.close();
            throw new IllegalStateException("closed");
        }
        allocated.add(histogram);
        return histogram;
    }

    public synchronized void close()
    {
        closed = true;
        CloseHelper.closeAll(allocated);
        allocated.clear();
        spares.clear();
    }
}
