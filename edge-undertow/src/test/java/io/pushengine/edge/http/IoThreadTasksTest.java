package io.pushengine.edge.http;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks given to an XNIO IO thread through its own pipe ({@link IoThreadTasks}, by {@link EdgeIoThread#execute}):
 * they must wake a thread asleep in its select, run on it in the order given whichever thread gave them (the
 * fan-out's duty cycle moves between IO threads), never on the giver's stack, and a failing one must not stop the
 * rest. Real XNIO worker, one IO thread.
 */
class IoThreadTasksTest
{
    private final AtomicCounter errors = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.METADATA_LENGTH * 4)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.COUNTER_LENGTH * 4))).newCounter("errors");
    private XnioWorker worker;
    private XnioIoThread ioThread;
    private EdgeIoThread edgeIoThread;

    @BeforeEach
    void openPipe() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        ioThread = worker.getIoThread(0);
        edgeIoThread = new EdgeIoThreads(errors).open(worker).of(ioThread); // opens the pipe on the thread
    }

    @AfterEach
    void close()
    {
        worker.shutdownNow();
    }

    @Test
    void tasksFromAnotherThreadWakeTheIoThreadAndRunOnItInOrder() throws Exception
    {
        final int count = 20_000;
        final List<Integer> ran = new ArrayList<>(); // IO thread only until the latch
        final AtomicBoolean offThread = new AtomicBoolean();
        final CountDownLatch allRan = new CountDownLatch(1);
        for (int round = 0; round < 2; round++)
        {
            Thread.sleep(50); // the IO thread asleep in its select, with nothing queued: only the pipe can wake it
            final CountDownLatch oneRan = new CountDownLatch(1);
            edgeIoThread.execute(oneRan::countDown);
            assertTrue(oneRan.await(10, TimeUnit.SECONDS), "a task given from another thread did not wake the IO thread");
        }
        for (int i = 0; i < count; i++)
        {
            final int n = i;
            edgeIoThread.execute(() ->
            {
                offThread.compareAndSet(false, Thread.currentThread() != ioThread);
                ran.add(n);
                if (n == count - 1)
                {
                    allRan.countDown();
                }
            });
        }

        assertTrue(allRan.await(10, TimeUnit.SECONDS), "not every task ran");
        assertFalse(offThread.get(), "a task ran off the IO thread");
        assertEquals(count, ran.size());
        for (int i = 0; i < count; i++)
        {
            assertEquals(i, ran.get(i), "tasks ran out of the order given");
        }
        assertEquals(0, errors.get());
    }

    @Test
    void aTaskGivenOnTheIoThreadRunsAfterOneGivenBeforeItFromAnotherThread() throws Exception
    {
        final List<String> ran = new ArrayList<>();
        final List<String> ranWhenGiven = new ArrayList<>();
        final CountDownLatch blocking = new CountDownLatch(1);
        final CountDownLatch foreignGiven = new CountDownLatch(1);
        final CountDownLatch bothRan = new CountDownLatch(2);
        ioThread.execute(() -> // the IO thread busy (as when it runs the fan-out's duty cycle) while
        {
            blocking.countDown();
            try
            {
                assertTrue(foreignGiven.await(10, TimeUnit.SECONDS));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            edgeIoThread.execute(() -> // ... it gives a task of its own after the other thread's
            {
                ran.add("given on the IO thread");
                bothRan.countDown();
            });
            ranWhenGiven.addAll(ran);
        });
        assertTrue(blocking.await(10, TimeUnit.SECONDS));
        edgeIoThread.execute(() ->
        {
            ran.add("given from another thread");
            bothRan.countDown();
        });
        foreignGiven.countDown();

        assertTrue(bothRan.await(10, TimeUnit.SECONDS), "a task never ran");
        assertEquals(List.of(), ranWhenGiven, "a task ran on the stack of the thread that gave it");
        assertEquals(List.of("given from another thread", "given on the IO thread"), ran);
    }

    @Test
    void aTaskThatThrowsIsCountedAndTheTasksAfterItStillRun() throws Exception
    {
        final CountDownLatch ranAfter = new CountDownLatch(1);
        edgeIoThread.execute(() ->
        {
            throw new IllegalStateException("a failing task (expected by the test)");
        });
        edgeIoThread.execute(ranAfter::countDown);

        assertTrue(ranAfter.await(10, TimeUnit.SECONDS), "the task after the failing one never ran");
        assertEquals(1, errors.get(), "the failure counted");
    }
}
