package io.pushengine.edge.session;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One {@link IoThreadFlusher} per IO thread of an edge, made on first use. Looked up when a connection opens,
 * never per message.
 */
public final class IoThreadFlushers
{
    private final ConcurrentMap<SessionExecutor, IoThreadFlusher> byThread = new ConcurrentHashMap<>();
    private final int queueCapacity;
    private final int scratchCapacity;
    private final AtomicCounter wakeUps;
    private final DeliveryLatencies latencies;
    private final EpochNanoClock epochClock;
    private final AtomicCounter framesOut;
    private final AtomicCounter bytesOut;

    /**
     * @param queueCapacity connections one IO thread can have waiting for its next pass.
     * @param ringCapacity  the largest ring a connection has: its largest message must fit one IO thread's scratch.
     * @param wakeUps       counts tasks handed to IO threads, or null.
     * @param latencies     where IO threads allocate their publish-to-write histograms.
     * @param epochClock    wall-clock time, as events are stamped.
     * @param framesOut     frames the IO threads' connections write, or null: not counted.
     * @param bytesOut      bytes they write, or null: not counted.
     */
    public IoThreadFlushers(
        final int queueCapacity,
        final int ringCapacity,
        final AtomicCounter wakeUps,
        final DeliveryLatencies latencies,
        final EpochNanoClock epochClock,
        final AtomicCounter framesOut,
        final AtomicCounter bytesOut)
    {
        this.framesOut = framesOut;
        this.bytesOut = bytesOut;
        this.latencies = latencies;
        this.epochClock = epochClock;
        this.queueCapacity = queueCapacity;
        this.scratchCapacity = ringCapacity / 8 + 1024; // OneToOneRingBuffer's largest message, with headroom
        this.wakeUps = wakeUps;
    }

    /**
     * @param ioThread an IO thread; executors that are equal (the same thread) share one flusher.
     */
    public IoThreadFlusher forThread(final SessionExecutor ioThread)
    {
        final IoThreadFlusher flusher = byThread.get(ioThread); // no capturing lambda once it exists
        return null != flusher ? flusher : byThread.computeIfAbsent(ioThread, thread -> new IoThreadFlusher(
            thread, queueCapacity, scratchCapacity, wakeUps, latencies, epochClock, framesOut, bytesOut));
    }
}
