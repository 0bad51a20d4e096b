package io.pushengine.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the clients of one transport saw, written from the client IO threads: publish-to-receive latency (from the
 * time each event was due to be published, so a stalled server cannot hide its backlog: coordinated omission
 * corrected at the source), events, bytes both ways, HTTP requests, and the gaps in per-topic sequences.
 */
public final class TransportStats
{
    static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(120);

    final LoadTransport transport;
    final Recorder latency = new Recorder(HIGHEST_TRACKABLE_NS, 3);
    /** WebSocket only: publish due time → the edge built the frame ({@code Batch.sentTimestampNs}). */
    final Recorder toFrame = new Recorder(HIGHEST_TRACKABLE_NS, 3);
    /** WebSocket only: the edge built the frame → the client decoded it. */
    final Recorder frameToClient = new Recorder(HIGHEST_TRACKABLE_NS, 3);
    final LongAdder events = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder gapEvents = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder errors = new LongAdder();
    final AtomicLong ready = new AtomicLong();
    volatile String lastError;

    TransportStats(final LoadTransport transport)
    {
        this.transport = transport;
    }

    void recordLatency(final long latencyNs)
    {
        latency.recordValue(Math.max(0, Math.min(latencyNs, HIGHEST_TRACKABLE_NS)));
    }

    /**
     * The two halves of a WebSocket event's latency, split at the moment the edge built its frame.
     */
    void recordSplit(final long toFrameNs, final long frameToClientNs)
    {
        toFrame.recordValue(Math.max(0, Math.min(toFrameNs, HIGHEST_TRACKABLE_NS)));
        frameToClient.recordValue(Math.max(0, Math.min(frameToClientNs, HIGHEST_TRACKABLE_NS)));
    }

    void error(final String what)
    {
        errors.increment();
        lastError = what;
    }

    /**
     * Counters at an instant, to subtract from a later one.
     */
    Totals totals()
    {
        return new Totals(events.sum(), bytesIn.sum(), bytesOut.sum(), requests.sum(), gapEvents.sum(),
            duplicates.sum(), errors.sum());
    }

    /**
     * The latency recorded since the last call (and reset).
     */
    Histogram takeLatency()
    {
        return latency.getIntervalHistogram();
    }

    record Totals(long events, long bytesIn, long bytesOut, long requests, long gapEvents, long duplicates,
        long errors)
    {
        Totals minus(final Totals before)
        {
            return new Totals(events - before.events, bytesIn - before.bytesIn, bytesOut - before.bytesOut,
                requests - before.requests, gapEvents - before.gapEvents, duplicates - before.duplicates,
                errors - before.errors);
        }
    }
}
