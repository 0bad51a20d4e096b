package io.pushengine.edge.http;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each IO thread of the edge's worker has one {@link EdgeIoThread} of its own, found by the thread from any thread;
 * a thread of another worker, or a lookup before the edge opened, is refused with a clear message. Real XNIO workers.
 */
class EdgeIoThreadsTest
{
    private final AtomicCounter errors = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.METADATA_LENGTH * 2)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.COUNTER_LENGTH * 2))).newCounter("errors");
    private XnioWorker worker;
    private XnioWorker otherWorker;

    @AfterEach
    void close()
    {
        if (null != worker)
        {
            worker.shutdownNow();
        }
        if (null != otherWorker)
        {
            otherWorker.shutdownNow();
        }
    }

    @Test
    void eachIoThreadHasItsOwnFoundByTheThreadFromAnyThread() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 2));
        final EdgeIoThreads ioThreads = new EdgeIoThreads(errors).open(worker);

        final EdgeIoThread first = ioThreads.of(worker.getIoThread(0));
        final EdgeIoThread second = ioThreads.of(worker.getIoThread(1));
        assertSame(worker.getIoThread(0), first.ioThread());
        assertSame(worker.getIoThread(1), second.ioThread());
        assertNotSame(first, second, "two IO threads share one");
        assertSame(first, ioThreads.of(worker.getIoThread(0)), "found twice, two different ones");

        final CompletableFuture<EdgeIoThread> foundOnItself = new CompletableFuture<>();
        worker.getIoThread(1).execute(() -> foundOnItself.complete(ioThreads.of(worker.getIoThread(1))));
        assertSame(second, foundOnItself.get(10, TimeUnit.SECONDS), "the thread itself finds another one");

        final CompletableFuture<String> ranOn = new CompletableFuture<>();
        second.execute(() -> ranOn.complete(Thread.currentThread().getName()));
        assertEquals(worker.getIoThread(1).getName(), ranOn.get(10, TimeUnit.SECONDS), "a task ran on another thread");
    }

    @Test
    void aThreadOfAnotherWorkerOrALookupBeforeOpeningIsRefused() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        otherWorker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        final EdgeIoThreads ioThreads = new EdgeIoThreads(errors);

        final IllegalStateException notOpen = assertThrows(IllegalStateException.class,
            () -> ioThreads.of(worker.getIoThread(0)));
        assertTrue(notOpen.getMessage().contains("not open yet"), notOpen.getMessage());

        ioThreads.open(worker);
        final IllegalStateException foreign = assertThrows(IllegalStateException.class,
            () -> ioThreads.of(otherWorker.getIoThread(0)));
        assertTrue(foreign.getMessage().contains("not an IO thread of this edge's worker"), foreign.getMessage());

        final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> ioThreads.open(worker));
        assertTrue(twice.getMessage().contains("already open"), twice.getMessage());
    }
}
