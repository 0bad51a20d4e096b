package io.pushengine.edge.http;

import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The edge's {@link EdgeIoThread}s, one per IO thread of its XNIO worker, found by the IO thread an exchange or a
 * channel belongs to ({@link #of}). Made before the worker exists, so the handlers can be given it, and
 * {@link #open}ed on the worker before the first connection is accepted (the handlers run only after that).
 * <p>
 * Threading: {@link #open} once, from the thread that starts the edge; {@link #of} from any thread after.
 */
public final class EdgeIoThreads
{
    private static final long OPEN_TIMEOUT_MS = 10_000;

    private final AtomicCounter errors;
    private volatile XnioWorker worker;
    private volatile EdgeIoThread[] byNumber;

    /**
     * @param errors counts tasks that throw on an IO thread (they are logged too; the tasks after them still run).
     */
    public EdgeIoThreads(final AtomicCounter errors)
    {
        this.errors = errors;
    }

    /**
     * Make each IO thread of {@code worker} its {@link EdgeIoThread}, on the thread itself (its pipes are opened and
     * listened to there), and wait until all are made.
     *
     * @return this.
     * @throws IllegalStateException if already open, or an IO thread does not make its own in time.
     */
    public EdgeIoThreads open(final XnioWorker worker)
    {
        if (null != byNumber)
        {
            throw new IllegalStateException("IO threads already open on " + this.worker.getName());
        }
        final int count = worker.getIoThreadCount();
        final EdgeIoThread[] threads = new EdgeIoThread[count];
        for (int i = 0; i < count; i++)
        {
            final XnioIoThread ioThread = worker.getIoThread(i);
            final int number = ioThread.getNumber();
            if (number < 0 || number >= count || null != threads[number])
            {
                throw new IllegalStateException("IO thread " + ioThread.getName() + " is numbered " + number +
                    ", not one of 0.." + (count - 1) + " once each");
            }
            threads[number] = openOn(ioThread);
        }
        this.worker = worker;
        this.byNumber = threads;
        return this;
    }

    /**
     * The edge's own for {@code ioThread}. Any thread.
     *
     * @throws IllegalStateException if {@code ioThread} is not one of the worker's this was opened on.
     */
    public EdgeIoThread of(final XnioIoThread ioThread)
    {
        final EdgeIoThread[] threads = byNumber;
        final int number = ioThread.getNumber();
        if (null == threads || ioThread.getWorker() != worker || number < 0 || number >= threads.length)
        {
            throw new IllegalStateException(ioThread.getName() + " is not an IO thread of this edge's worker" +
                (null == threads ? " (not open yet)" : ""));
        }
        return threads[number];
    }

    private EdgeIoThread openOn(final XnioIoThread ioThread)
    {
        final CompletableFuture<EdgeIoThread> opened = new CompletableFuture<>();
        ioThread.execute(() ->
        {
            try
            {
                opened.complete(EdgeIoThread.openOnItself(ioThread, errors));
            }
            catch (final Throwable ex)
            {
                opened.completeExceptionally(ex);
            }
        });
        try
        {
            return opened.get(OPEN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + ioThread.getName() + " opened", ex);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new IllegalStateException(ioThread.getName() + " did not open in " + OPEN_TIMEOUT_MS + " ms", ex);
        }
    }
}
