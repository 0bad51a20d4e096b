package io.pushengine.edge.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xnio.ChannelPipe;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An IO thread's selector fills a {@link SelectedKeyArray} in place of the JDK's set, and readiness still reaches
 * XNIO through it: real XNIO worker, one IO thread, 300 pipes made ready at once, more than the array's first
 * capacity, twice. And the array's own operations, on fake keys.
 */
class SelectedKeyArrayTest
{
    private static final int PIPES = 300;

    private XnioWorker worker;

    @AfterEach
    void close()
    {
        if (null != worker)
        {
            worker.shutdownNow();
        }
    }

    @Test
    void theSelectorFillsTheArrayAndEveryBurstOfReadinessReachesXnio() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        final XnioIoThread ioThread = worker.getIoThread(0);
        final AtomicInteger bytesRead = new AtomicInteger();
        final List<StreamSinkChannel> sinks = onIoThread(ioThread, () ->
        {
            final List<StreamSinkChannel> writeEnds = new ArrayList<>();
            final ByteBuffer readBuffer = ByteBuffer.allocate(16);
            for (int i = 0; i < PIPES; i++)
            {
                final ChannelPipe<StreamSourceChannel, StreamSinkChannel> pipe = ioThread.createHalfDuplexPipe();
                pipe.getLeftSide().getReadSetter().set(source ->
                {
                    try
                    {
                        readBuffer.clear();
                        bytesRead.addAndGet(Math.max(0, source.read(readBuffer)));
                    }
                    catch (final IOException ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                pipe.getLeftSide().resumeReads();
                writeEnds.add(pipe.getRightSide());
            }
            return writeEnds;
        });

        assertNotNull(onIoThread(ioThread, () -> SelectedKeyArray.install(ioThread)), "not installed");
        final Set<SelectionKey> installed = onIoThread(ioThread, () -> SelectedKeyArray.selectedKeySet(ioThread));
        assertNotNull(installed, "the selector's set cannot be reached: is java.base/sun.nio.ch opened?");
        assertInstanceOf(SelectedKeyArray.class, installed);

        writeOneByteToEach(sinks);
        awaitBytes(bytesRead, PIPES); // more ready at once than the array held at first: it grew
        writeOneByteToEach(sinks);
        awaitBytes(bytesRead, 2 * PIPES); // and was emptied between polls
        assertTrue(onIoThread(ioThread, installed::isEmpty), "XNIO empties it after each poll");

        // XNIO's cancelKey on the IO thread polls (selectNow) and leaves what it found for its loop's next poll,
        // which finds the same keys ready again: each must be held once
        final int heldAfterTwoPolls = onIoThread(ioThread, () ->
        {
            writeOneByteToEach(sinks);
            final Selector selector = (Selector)SelectedKeyArray.selectorOf(ioThread);
            selector.selectNow();
            selector.selectNow();
            return installed.size();
        });
        assertEquals(PIPES, heldAfterTwoPolls, "keys found ready by two polls without an emptying between");
        awaitBytes(bytesRead, 3 * PIPES);
        assertNull(SelectedKeyArray.install(ioThread), "installed off the IO thread");
    }

    @Test
    void addsInOrderGrowsCopiesOutAndEmptiesOnlyWhatItHolds()
    {
        final SelectedKeyArray array = new SelectedKeyArray(2);
        final SelectionKey[] keys = { new FakeKey(), new FakeKey(), new FakeKey() };
        for (final SelectionKey key : keys)
        {
            assertTrue(array.add(key));
        }
        assertEquals(3, array.size(), "grew past its capacity of 2");

        final SelectionKey[] into = new SelectionKey[5];
        Arrays.fill(into, new FakeKey());
        assertSame(into, array.toArray(into), "a large enough array is filled, as XNIO expects");
        assertArrayEquals(keys, Arrays.copyOf(into, 3));
        assertNull(into[3], "the keys are followed by a null");

        final SelectionKey[] small = array.toArray(new SelectionKey[1]);
        assertArrayEquals(keys, small, "a new array of their size when they do not fit");

        assertTrue(array.remove(keys[1]));
        assertFalse(array.remove(keys[1]), "removed twice");
        assertArrayEquals(new Object[]{ keys[0], keys[2] }, array.toArray());

        assertFalse(array.add(keys[0]), "a key already held");
        assertEquals(2, array.size(), "a key already held is not held twice");
        assertTrue(array.contains(keys[0]));
        assertFalse(array.contains(keys[1]), "removed");
        assertTrue(array.add(keys[1]), "a removed key is added again");

        assertEquals(0, array.sizeAtLastClear(), "never cleared");
        array.clear();
        assertEquals(0, array.size());
        assertEquals(3, array.sizeAtLastClear(), "what the poll before the handlers found (XNIO clears, then runs them)");
        assertFalse(array.contains(keys[0]), "cleared");
        assertTrue(array.isEmpty());
        assertFalse(array.iterator().hasNext());
        assertTrue(array.add(keys[2]));
        assertArrayEquals(new Object[]{ keys[2] }, array.toArray(), "after clear it fills from the start");
    }

    @Test
    void manyKeysAreHeldOnceThroughGrowthClearAndRemoval()
    {
        final SelectedKeyArray array = new SelectedKeyArray(4);
        final SelectionKey[] keys = new SelectionKey[1000];
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < keys.length; i++)
            {
                keys[i] = null == keys[i] ? new FakeKey() : keys[i];
                assertTrue(array.add(keys[i]), "round " + round + " key " + i);
                assertFalse(array.add(keys[i]), "round " + round + " key " + i + " twice");
            }
            assertEquals(keys.length, array.size());
            for (int i = 0; i < keys.length; i += 7)
            {
                assertTrue(array.remove(keys[i]));
            }
            for (int i = 0; i < keys.length; i++)
            {
                assertEquals(i % 7 != 0, array.contains(keys[i]), "round " + round + " key " + i);
            }
            array.clear();
            for (final SelectionKey key : keys)
            {
                assertFalse(array.contains(key), "round " + round + ": held after clear");
            }
        }
    }

    private static final class FakeKey extends AbstractSelectionKey
    {
        public SelectableChannel channel()
        {
            return null;
        }

        public Selector selector()
        {
            return null;
        }

        public int interestOps()
        {
            return 0;
        }

        public SelectionKey interestOps(final int ops)
        {
            return this;
        }

        public int readyOps()
        {
            return 0;
        }
    }

    private static void writeOneByteToEach(final List<StreamSinkChannel> sinks) throws IOException
    {
        for (final StreamSinkChannel sink : sinks)
        {
            assertEquals(1, sink.write(ByteBuffer.wrap(new byte[]{ 1 })));
        }
    }

    private static void awaitBytes(final AtomicInteger bytesRead, final int expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (bytesRead.get() < expected && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals(expected, bytesRead.get(), "bytes read from the pipes");
    }

    private interface IoThreadCall<T>
    {
        T call() throws Exception;
    }

    private static <T> T onIoThread(final XnioIoThread ioThread, final IoThreadCall<T> call) throws Exception
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        ioThread.execute(() ->
        {
            try
            {
                result.complete(call.call());
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }
}
