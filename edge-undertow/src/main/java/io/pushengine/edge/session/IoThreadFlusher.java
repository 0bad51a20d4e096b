package io.pushengine.edge.session;

import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.XnioIoThread;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands an IO thread the connections that have something to send, one wake-up for many of them: the fan-out
 * queues each connection it gave work to (at most once until the IO thread takes it) and schedules one task on the
 * IO thread only if none is pending, so a duty cycle that touches a thousand connections costs a thousand queue
 * offers and one task hand-off (and at most one selector wake-up) per IO thread, not a thousand.
 * <p>
 * Also holds what the IO thread needs to build outbound frames for any of its connections: a scratch buffer,
 * written and sent by one connection at a time, so frames cost no memory per connection while the socket takes
 * them.
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

    private final XnioIoThread ioThread;
    private final OneToOneConcurrentArrayQueue<ClientSession> sessionsToFlush;
    private final AtomicBoolean taskScheduled = new AtomicBoolean();
    private final AtomicCounter wakeUps;
    private final ByteBuffer scratchByteBuffer;
    private final UnsafeBuffer scratch;

    /**
     * @param ioThread      the IO thread whose connections this flushes.
     * @param queueCapacity connections that can wait for one wake-up; beyond it a connection gets a task of its own.
     * @param scratchCapacity bytes of the frame-building buffer: at least {@link #MIN_SCRATCH_CAPACITY}, and room
     *                        for the largest message a connection's ring can hold with its frame headers.
     * @param wakeUps       counts tasks handed to the IO thread, or null.
     */
    public IoThreadFlusher(
        final XnioIoThread ioThread, final int queueCapacity, final int scratchCapacity, final AtomicCounter wakeUps)
    {
        this.scratchByteBuffer = ByteBuffer.allocateDirect(Math.max(MIN_SCRATCH_CAPACITY, scratchCapacity));
        this.scratch = new UnsafeBuffer(scratchByteBuffer);
        this.ioThread = ioThread;
        this.sessionsToFlush = new OneToOneConcurrentArrayQueue<>(queueCapacity);
        this.wakeUps = wakeUps;
    }

    public XnioIoThread ioThread()
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
     * One pass over every connection queued so far. IO thread. A connection queued while this runs is either taken
     * by this pass or by the task its producer scheduled after {@link #taskScheduled} was cleared.
     */
    public void run()
    {
        taskScheduled.set(false);
        ClientSession session;
        while (null != (session = sessionsToFlush.poll()))
        {
            session.runQueuedWork();
        }
    }

    /**
     * The IO thread's frame-building buffer: valid until the calling connection's write returns. IO thread only.
     */
    public UnsafeBuffer scratch()
    {
        return scratch;
    }

    /**
     * The same memory as {@link #scratch()}, for the socket write. IO thread only.
     */
    public ByteBuffer scratchByteBuffer()
    {
        return scratchByteBuffer;
    }
}
