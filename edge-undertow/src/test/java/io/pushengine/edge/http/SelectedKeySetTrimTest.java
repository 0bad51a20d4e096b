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
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An IO thread's selector gets a new selected-key set after a burst of ready channels, and goes on delivering
 * readiness through it: real XNIO worker, one IO thread, 300 pipes made ready at once, before and after the swap.
 */
class SelectedKeySetTrimTest
{
    private static final int PIPES = 300;

    private XnioWorker worker;

    @AfterEach
    void close()
    {
        worker.shutdownNow();
    }

    @Test
    void afterABurstTheSetIsReplacedAndReadinessStillArrives() throws Exception
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

        final Set<SelectionKey> before = onIoThread(ioThread, () -> SelectedKeySetTrim.selectedKeySet(ioThread));
        assertNotNull(before, "the selector's set cannot be reached: is java.base/sun.nio.ch opened?");
        writeOneByteToEach(sinks);
        awaitBytes(bytesRead, PIPES);

        assertTrue(onIoThread(ioThread, () -> SelectedKeySetTrim.trim(ioThread)), "the set was not replaced");
        final Set<SelectionKey> after = onIoThread(ioThread, () -> SelectedKeySetTrim.selectedKeySet(ioThread));
        assertNotSame(before, after, "the selector still gives the set that held the burst");
        assertTrue(after.isEmpty());

        writeOneByteToEach(sinks);
        awaitBytes(bytesRead, 2 * PIPES); // readiness found by the selects after the swap reaches XNIO
        assertEquals(false, SelectedKeySetTrim.trim(ioThread), "trimmed off the IO thread");
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
