package io.pushengine.edge.http;

import org.agrona.concurrent.status.AtomicCounter;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.xnio.ChannelListener;
import org.xnio.ChannelPipe;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tasks the fan-out (and any other thread) gives an XNIO IO thread, woken through a pipe of its own instead of
 * XNIO's selector wake-up.
 * <p>
 * Why: {@code XnioIoThread.execute} from another thread calls {@code Selector.wakeup()}, which writes the selector's
 * eventfd inside a monitor ({@code EPollSelectorImpl.interruptLock}); the woken IO thread returns from
 * {@code epoll_wait} on the other core and takes the same monitor to clear the eventfd before the waker has left it.
 * On a small box that contention is almost certain: the IO thread parks on the monitor and the waker signals it on
 * exit, a futex wait, a futex wake and a context switch more for every wake-up (async-profiler, one publisher and
 * one subscriber on different IO threads, 10,000 POSTs/s: 8 % of the process's samples in that monitor). Here a
 * waker writes one byte to a pipe the IO thread reads: the same two syscalls as the eventfd, and no lock shared
 * with the woken thread.
 * <p>
 * Every task for the thread, from any thread including itself, goes through one queue, so tasks run in the order
 * they were given whichever thread the giver ran on (the fan-out's duty cycle runs on whichever IO thread gave it
 * work). A wake is pending at most once: the first task after a drain writes the byte (or, given on the IO thread
 * itself, queues the drain as an XNIO task, which needs no wake-up); tasks given meanwhile ride on it.
 * <p>
 * One per IO thread, held by its {@link EdgeIoThread}. Threading: {@link #add} from any thread; the rest on the IO
 * thread.
 */
final class IoThreadTasks implements ChannelListener<StreamSourceChannel>, Runnable
{
    /**
     * {@code false}: tasks go to XNIO's own queue and wake-up, as before (for A/B measurement).
     */
    static final String ENABLED_PROP_NAME = "push.edge.io.task.pipe";
    static final boolean ENABLED = !"false".equals(System.getProperty(ENABLED_PROP_NAME));

    private static final System.Logger LOGGER = System.getLogger(IoThreadTasks.class.getName());
    private static final ThreadLocal<ByteBuffer> WAKE_BYTE = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1));

    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(256, 2);
    private final AtomicBoolean drainPending = new AtomicBoolean();
    private final XnioIoThread ioThread;
    private final StreamSourceChannel readEnd;
    private final StreamSinkChannel writeEnd;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64);
    private final AtomicCounter errors;
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;

    private IoThreadTasks(
        final XnioIoThread ioThread,
        final StreamSourceChannel readEnd,
        final StreamSinkChannel writeEnd,
        final AtomicCounter errors)
    {
        this.ioThread = ioThread;
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
        this.errors = errors;
    }

    /**
     * Open the thread's pipe. On {@code ioThread} itself ({@link EdgeIoThread#openOnItself}).
     *
     * @return its tasks, or null if the pipe could not be opened (warned; tasks then go to XNIO's own queue).
     */
    static IoThreadTasks open(final XnioIoThread ioThread, final AtomicCounter errors)
    {
        try
        {
            final ChannelPipe<StreamSourceChannel, StreamSinkChannel> pipe = ioThread.createHalfDuplexPipe();
            final IoThreadTasks threadTasks =
                new IoThreadTasks(ioThread, pipe.getLeftSide(), pipe.getRightSide(), errors);
            pipe.getLeftSide().getReadSetter().set(threadTasks);
            pipe.getLeftSide().resumeReads();
            return threadTasks;
        }
        catch (final IOException | RuntimeException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "no task pipe on " + ioThread.getName() +
                "; tasks from other threads wake it through XNIO: " + ex);
            return null;
        }
    }

    /**
     * Run {@code task} on the IO thread soon, after the tasks given before it through here. Any thread.
     *
     * @return false if the pipe has been closed (the worker is shutting down): run the task another way.
     */
    boolean add(final Runnable task)
    {
        if (!readEnd.isOpen())
        {
            return false;
        }
        tasks.offer(task);
        // the offer is an ordered store: without a full fence the flag could be read before it is visible, and a
        // drain that had just cleared the flag and found the queue empty would leave this task waiting
        VarHandle.fullFence();
        if (!drainPending.get() && drainPending.compareAndSet(false, true))
        {
            if (Thread.currentThread() == ioThread)
            {
                ioThread.execute(this); // not polling while it runs us: no wake-up
            }
            else
            {
                wake();
            }
        }
        return true;
    }

    private void wake()
    {
        final ByteBuffer wakeByte = WAKE_BYTE.get();
        wakeByte.clear();
        try
        {
            writeEnd.write(wakeByte); // 0 only if the pipe is full, when it is readable already
        }
        catch (final IOException ex)
        {
            ioThread.execute(this); // closed under us: XNIO's own wake-up, or its refusal if it is shutting down
        }
    }

    /**
     * The pipe is readable: empty it, then run the tasks. IO thread.
     */
    public void handleEvent(final StreamSourceChannel channel)
    {
        try
        {
            int read;
            do
            {
                readBuffer.clear();
                read = channel.read(readBuffer);
            }
            while (read > 0);
        }
        catch (final IOException ex)
        {
            errors.increment();
            LOGGER.log(System.Logger.Level.ERROR, "task pipe read failed on " + ioThread.getName(), ex);
        }
        run();
    }

    /**
     * Run the tasks queued so far; those they queue get a drain of their own. IO thread.
     */
    public void run()
    {
        drainPending.set(false);
        final int queued = tasks.size();
        if (queued > 0)
        {
            tasks.drain(runTask, queued);
        }
    }

    private void runTask(final Runnable task)
    {
        try
        {
            task.run();
        }
        catch (final Throwable ex)
        {
            errors.increment();
            LOGGER.log(System.Logger.Level.ERROR, "IO thread task failed", ex);
        }
    }
}
