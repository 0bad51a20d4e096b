package io.pushengine.edge.session;

import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.metrics.LatencyHistogram;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands an IO thread the connections that have something to send, one wake-up for many of them: the fan-out
 * queues each connection it gave work to (at most once until the IO thread takes it) and schedules one task on the
 * IO thread only if none is pending, so a duty cycle that touches a thousand connections costs a thousand queue
 * offers and one task hand-off (and at most one selector wake-up) per IO thread, not a thousand.
 * <p>
 * Also holds what the IO thread needs to build outbound frames for any of its connections: a scratch buffer,
 * written and sent by one connection at a time, so frames cost no memory per connection while the socket takes
 * them, and the frame builder that writes into it.
 * <p>
 * Also keeps what the IO thread's connections wrote: frames, bytes and publish-to-write latencies are added up in
 * plain fields and reach the edge's counters once at the end of each slice ({@link #countWritten}), not with an
 * atomic add per write on a line every IO thread writes; outside a slice (a socket that became writable again, a
 * poll's answer) at once.
 * <p>
 * Threading: {@link #requestFlush} from the fan-out thread (single producer); {@link #run} and
 * {@link #scratch()} on the IO thread only.
 */
public final class IoThreadFlusher implements Runnable
{
    /**
     * Bytes of frames an IO thread builds for one connection before writing them in one call, at least.
     */
    public static final int MIN_SCRATCH_CAPACITY = 256 * 1024;

    /**
     * Connections one task flushes before it hands the IO thread back (the rest continue after its queued tasks and
     * its next poll of its sockets, {@link SessionExecutor#executeAfterPoll}): a pass over thousands of sockets
     * takes milliseconds, and what else the IO thread has to do (answer a publish, read the next pipelined request,
     * accept) would wait for all of it. Between slices the IO thread runs its queued tasks and serves the sockets
     * that are ready, so a publisher's round trip costs a slice, not a pass, and the connections later in the pass
     * take the events that arrived meanwhile in the same write (natural batching). Measured (bench/README, 1,000
     * subscribers, 1,000 ev/s pipelined on one connection): a whole pass per task answered 250 publishes/s; slices
     * of 64, 32, 16, 8 and 4 answered 730/s, then all 1,000/s. Polling after every slice rather than every 200 us
     * gave p99 128-262 ms against 195-1,500 ms at that rate (a publisher's round trip has 1 ms there), for about
     * 2-4 % of a core more at 10 ev/s (a budget of 100 us per slice instead of four connections saved about 1 %).
     * Slices grow while polls find nothing to do ({@link #MAX_SESSIONS_PER_SLICE}).
     */
    public static final int SESSIONS_PER_SLICE = 4;

    /**
     * The most connections a slice flushes: a slice continued after a poll that found nothing else to do (no socket
     * ready, no task from another thread: {@link SessionExecutor#lastPollWasQuiet}) takes twice as many as the one
     * before, up to this; one after a busy poll, or a new pass, starts again at {@link #SESSIONS_PER_SLICE}. So a
     * pass over 500 quiet connections polls about 11 times, not 125, and input that arrives during a pass waits for
     * at most this many writes (bench/README: "Slices that grow while polls are quiet").
     */
    public static final int MAX_SESSIONS_PER_SLICE = 64;

    private final SessionExecutor ioThread;
    private final OneToOneConcurrentArrayQueue<ClientSession> sessionsToFlush;
    private final AtomicBoolean taskScheduled = new AtomicBoolean();
    private final AtomicCounter wakeUps;
    private final ByteBuffer scratchByteBuffer;
    private final UnsafeBuffer scratch;
    private ByteBuffer compressionScratch;
    private final BatchFrameBuilder batchBuilder = new BatchFrameBuilder();
    private final DeliveryLatencies latencies;
    private final EpochNanoClock epochClock;
    private final Map<String, LatencyHistogram> writeLatencies = new ConcurrentHashMap<>();
    private volatile LatencyHistogram[] writeLatencyHistograms = new LatencyHistogram[0]; // the map's values
    private final AtomicCounter framesOut;
    private final AtomicCounter bytesOut;
    private long framesWritten; // IO thread: since the counters were last added to
    private long bytesWritten;
    private boolean inSlice; // IO thread: what is written is counted at the slice's end
    private int sliceLimit = SESSIONS_PER_SLICE; // IO thread
    private boolean continuedAfterPoll; // IO thread: the next run is the continuation given to executeAfterPoll

    /**
     * @param ioThread      the IO thread whose connections this flushes.
     * @param queueCapacity connections that can wait for one wake-up; beyond it a connection gets a task of its own.
     * @param scratchCapacity bytes of the frame-building buffer: at least {@link #MIN_SCRATCH_CAPACITY}, and room
     *                        for the largest message a connection's ring can hold with its frame headers.
     * @param wakeUps       counts tasks handed to the IO thread, or null.
     * @param latencies     where this IO thread's publish-to-write histograms are allocated.
     * @param epochClock    wall-clock time, as events are stamped.
     */
    public IoThreadFlusher(
        final SessionExecutor ioThread,
        final int queueCapacity,
        final int scratchCapacity,
        final AtomicCounter wakeUps,
        final DeliveryLatencies latencies,
        final EpochNanoClock epochClock)
    {
        this(ioThread, queueCapacity, scratchCapacity, wakeUps, latencies, epochClock, null, null);
    }

    /**
     * @param ioThread      the IO thread whose connections this flushes.
     * @param queueCapacity connections that can wait for one wake-up; beyond it a connection gets a task of its own.
     * @param scratchCapacity bytes of the frame-building buffer: at least {@link #MIN_SCRATCH_CAPACITY}, and room
     *                        for the largest message a connection's ring can hold with its frame headers.
     * @param wakeUps       counts tasks handed to the IO thread, or null.
     * @param latencies     where this IO thread's publish-to-write histograms are allocated.
     * @param epochClock    wall-clock time, as events are stamped.
     * @param framesOut     where {@link #countWritten} frames go (shared with the edge's other IO threads), or null.
     * @param bytesOut      where {@link #countWritten} bytes go, or null.
     */
    public IoThreadFlusher(
        final SessionExecutor ioThread,
        final int queueCapacity,
        final int scratchCapacity,
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
        final int capacity = Math.max(MIN_SCRATCH_CAPACITY, scratchCapacity);
        // room for frames that grow when compressed (a transport that compresses builds within the rest)
        this.scratchByteBuffer = ByteBuffer.allocateDirect(capacity + capacity / 1024 + 256);
        this.scratch = new UnsafeBuffer(scratchByteBuffer);
        this.ioThread = ioThread;
        this.sessionsToFlush = new OneToOneConcurrentArrayQueue<>(queueCapacity);
        this.wakeUps = wakeUps;
    }

    public SessionExecutor ioThread()
    {
        return ioThread;
    }

    /**
     * Queue a connection for its IO thread's next pass; wake the IO thread if it has no pass pending. Fan-out thread.
     */
    void requestFlush(final ClientSession session)
    {
        if (!sessionsToFlush.offer(session))
        {
            execute(session.flushTask()); // queue full: this one goes on its own
            return;
        }
        // the offer is a release store: without a full fence the flag below could be read before the offer is
        // visible, and an IO thread clearing the flag and then finding the queue empty would leave this connection
        // queued with no task until the next request (100 ms at 10 ev/s)
        VarHandle.fullFence();
        if (!taskScheduled.get() && taskScheduled.compareAndSet(false, true))
        {
            execute(this);
        }
    }

    private void execute(final Runnable task)
    {
        if (null != wakeUps)
        {
            wakeUps.incrementRelease();
        }
        ioThread.execute(task);
    }

    /**
     * One slice of a pass over the connections queued so far: at most {@link #SESSIONS_PER_SLICE}, or up to
     * {@link #MAX_SESSIONS_PER_SLICE} while the polls between slices are quiet, then the rest
     * after the IO thread's next poll of its sockets and behind whatever it was given meanwhile. IO thread. A
     * connection queued while this runs is taken by this slice, by the continuation this slice schedules, or by the
     * task its producer scheduled after {@link #taskScheduled} was cleared.
     */
    public void run()
    {
        taskScheduled.set(false);
        final int limit = continuedAfterPoll && ioThread.lastPollWasQuiet() ?
            Math.min(sliceLimit << 1, MAX_SESSIONS_PER_SLICE) : SESSIONS_PER_SLICE;
        sliceLimit = limit;
        continuedAfterPoll = false;
        inSlice = true;
        try
        {
            ClientSession session;
            int flushed = 0;
            while (null != (session = sessionsToFlush.poll()))
            {
                session.runQueuedWork();
                if (++flushed == limit)
                {
                    if (!sessionsToFlush.isEmpty() && taskScheduled.compareAndSet(false, true))
                    {
                        continuedAfterPoll = true;
                        ioThread.executeAfterPoll(this); // the rest after what is queued and the sockets ready
                    }
                    return;
                }
            }
        }
        finally
        {
            inSlice = false;
            addWrittenToCounters();
        }
    }

    /**
     * A connection of this IO thread wrote {@code frames} frames, {@code bytes} bytes, and recorded the latencies of
     * what they carried in its {@link #writeLatency} histogram: they reach the counters at the end of the slice
     * being run, or now when no slice is running. IO thread.
     */
    public void countWritten(final int frames, final long bytes)
    {
        framesWritten += frames;
        bytesWritten += bytes;
        if (!inSlice)
        {
            addWrittenToCounters();
        }
    }

    /**
     * A connection recorded write latencies without counting a write (what it built was dropped): they reach the
     * histograms' counters at the end of the slice being run, or now when no slice is running. IO thread.
     */
    public void latenciesRecorded()
    {
        if (!inSlice)
        {
            addWrittenToCounters();
        }
    }

    private void addWrittenToCounters()
    {
        for (final LatencyHistogram histogram : writeLatencyHistograms)
        {
            histogram.flush(); // nothing when nothing was recorded
        }
        if (0 != framesWritten)
        {
            if (null != framesOut)
            {
                framesOut.getAndAdd(framesWritten);
            }
            framesWritten = 0;
        }
        if (0 != bytesWritten)
        {
            if (null != bytesOut)
            {
                bytesOut.getAndAdd(bytesWritten);
            }
            bytesWritten = 0;
        }
    }

    /**
     * Connections the last slice was allowed to flush. IO thread; for tests.
     */
    int sliceLimit()
    {
        return sliceLimit;
    }

    /**
     * This IO thread's publish-to-write histogram for a transport's connections: they record each delivery they
     * write; what they recorded reaches its counters with {@link #countWritten} (or {@link #latenciesRecorded}).
     * Made on first use, when a connection opens. IO thread.
     */
    public LatencyHistogram writeLatency(final String transport)
    {
        final LatencyHistogram histogram = writeLatencies.get(transport); // no bound method reference once made
        return null != histogram ? histogram : newWriteLatency(transport);
    }

    private synchronized LatencyHistogram newWriteLatency(final String transport)
    {
        LatencyHistogram histogram = writeLatencies.get(transport);
        if (null == histogram)
        {
            histogram = latencies.newPublishToWrite(transport);
            writeLatencies.put(transport, histogram);
            final LatencyHistogram[] histograms = Arrays.copyOf(
                writeLatencyHistograms, writeLatencyHistograms.length + 1);
            histograms[histograms.length - 1] = histogram;
            writeLatencyHistograms = histograms;
        }
        return histogram;
    }

    /**
     * Wall-clock time as events are stamped, for {@link #writeLatency}.
     */
    public EpochNanoClock epochClock()
    {
        return epochClock;
    }

    /**
     * The IO thread's frame-building buffer: valid until the calling connection's write returns. IO thread only.
     */
    public UnsafeBuffer scratch()
    {
        return scratch;
    }

    /**
     * The IO thread's {@code Batch} frame builder, for frames built in {@link #scratch()}: a frame is begun and
     * finished within one connection's build, so one builder serves every connection of the thread (its flyweights
     * are written per frame; one per connection would be as many more cold objects touched per delivery). IO thread
     * only.
     */
    public BatchFrameBuilder batchBuilder()
    {
        return batchBuilder;
    }

    /**
     * The same memory as {@link #scratch()}, for the socket write. IO thread only.
     */
    public ByteBuffer scratchByteBuffer()
    {
        return scratchByteBuffer;
    }

    /**
     * A second buffer the size of {@link #scratch()}, where a transport compresses what it built there; made on
     * first use, so only IO threads with compressing connections have one. IO thread only.
     */
    public ByteBuffer compressionScratch()
    {
        if (null == compressionScratch)
        {
            compressionScratch = ByteBuffer.allocateDirect(scratchByteBuffer.capacity());
        }
        return compressionScratch;
    }
}
