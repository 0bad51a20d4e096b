package io.pushengine.edge.http;

import org.junit.jupiter.api.AfterEach;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.xnio.ChannelListener;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write pass split into steps that continue with {@link EdgeIoThread#executeAfterPoll} must leave the IO
 * thread free to read its sockets between steps: XNIO runs every queued task (including those queued meanwhile)
 * before it selects, so a pass continued with {@code execute} would starve a publisher's next request until the pass
 * ends (seen: publishes answered up to 1.8 s late at 1,000 ev/s to 1,000 subscribers). Real XNIO worker, two IO
 * threads (the steps must run on the connection's), a real loopback socket.
 */
class AfterPollTasksTest
{
    private XnioWorker worker;
    private EdgeIoThreads ioThreads;
    private AcceptingChannel<StreamConnection> server;
    private volatile boolean stepping = true;
    private final AtomicCounter errors = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.METADATA_LENGTH * 4)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.COUNTER_LENGTH * 4))).newCounter("errors");

    @AfterEach
    void close() throws IOException
    {
        stepping = false;
        if (null != server)
        {
            server.close();
        }
        if (null != worker)
        {
            worker.shutdownNow();
        }
    }

    @Test
    void socketIsReadWhileAnEndlessPassContinuesAfterEachPoll() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 2));
        ioThreads = new EdgeIoThreads(errors).open(worker);
        final AtomicInteger bytesRead = new AtomicInteger();
        final AtomicLong steps = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch passStarted = new CountDownLatch(1);

        server = worker.createStreamConnectionServer(new InetSocketAddress("127.0.0.1", 0), accepting ->
        {
            try
            {
                final StreamConnection connection = accepting.accept();
                if (null == connection)
                {
                    return;
                }
                final ByteBuffer readBuffer = ByteBuffer.allocate(64);
                connection.getSourceChannel().setReadListener(source ->
                {
                    try
                    {
                        readBuffer.clear();
                        final int read = source.read(readBuffer);
                        if (read > 0)
                        {
                            bytesRead.addAndGet(read);
                        }
                    }
                    catch (final IOException ex)
                    {
                        failure.set(ex);
                    }
                });
                connection.getSourceChannel().resumeReads();
                final EdgeIoThread executor = ioThreads.of(connection.getIoThread());
                executor.execute(new Runnable()
                {
                    public void run()
                    {
                        if (stepping)
                        {
                            if (Thread.currentThread() != connection.getIoThread())
                            {
                                failure.set(new AssertionError("a step ran on " + Thread.currentThread().getName() +
                                    ", not on the connection's IO thread " + connection.getIoThread().getName()));
                                return;
                            }
                            steps.incrementAndGet();
                            passStarted.countDown();
                            executor.executeAfterPoll(this);
                        }
                    }
                });
            }
            catch (final IOException | RuntimeException ex)
            {
                failure.set(ex);
            }
        }, OptionMap.EMPTY);
        server.resumeAccepts();
        final int port = ((InetSocketAddress)server.getLocalAddress()).getPort();

        try (Socket client = new Socket("127.0.0.1", port))
        {
            assertTrue(passStarted.await(10, TimeUnit.SECONDS), "the endless pass never started: " + failure.get());
            final long stepsBefore = steps.get();
            final OutputStream out = client.getOutputStream();
            out.write("ping".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (bytesRead.get() < 4 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(4, bytesRead.get(), "the IO thread did not read its socket while the pass went on (" +
                (steps.get() - stepsBefore) + " steps ran meanwhile); failure: " + failure.get());
            final long stepsAtRead = steps.get();
            while (steps.get() == stepsAtRead && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertTrue(steps.get() > stepsAtRead, "the pass stopped after the read: it must go on; " + failure.get());
            assertEquals(null, failure.get(), "every step on the IO thread that owns the connection");
        }
    }

    /**
     * A pass may take longer steps while the polls between them find nothing else ready
     * ({@link EdgeIoThread#lastPollWasQuiet}): before the client sends anything every step after a poll sees a quiet
     * poll; once a byte waits in the socket (left unread, so every poll finds it), none does.
     */
    @Test
    void aStepKnowsWhetherItsPollFoundASocketReady() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        ioThreads = new EdgeIoThreads(errors).open(worker);
        final AtomicLong quietSteps = new AtomicLong();
        final AtomicLong busySteps = new AtomicLong();
        final AtomicInteger readsOffered = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        server = worker.createStreamConnectionServer(new InetSocketAddress("127.0.0.1", 0), accepting ->
        {
            try
            {
                final StreamConnection connection = accepting.accept();
                if (null == connection)
                {
                    return;
                }
                connection.getSourceChannel().setReadListener(source -> readsOffered.incrementAndGet()); // not read
                connection.getSourceChannel().resumeReads();
                final EdgeIoThread executor = ioThreads.of(connection.getIoThread());
                executor.execute(new Runnable()
                {
                    private boolean afterPoll;

                    public void run()
                    {
                        if (stepping)
                        {
                            if (afterPoll)
                            {
                                (executor.lastPollWasQuiet() ? quietSteps : busySteps).incrementAndGet();
                            }
                            afterPoll = true;
                            executor.executeAfterPoll(this);
                        }
                    }
                });
            }
            catch (final IOException | RuntimeException ex)
            {
                failure.set(ex);
            }
        }, OptionMap.EMPTY);
        server.resumeAccepts();
        final int port = ((InetSocketAddress)server.getLocalAddress()).getPort();

        try (Socket client = new Socket("127.0.0.1", port))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (quietSteps.get() < 1_000 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertTrue(quietSteps.get() >= 1_000, "no step saw a quiet poll while nothing was sent: " +
                quietSteps.get() + " quiet, " + busySteps.get() + " busy; " + failure.get());

            client.getOutputStream().write(1);
            client.getOutputStream().flush();
            while (0 == readsOffered.get() && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertTrue(readsOffered.get() > 0, "the socket was never found readable");
            final long quietAtInput = quietSteps.get();
            final long busyAtInput = busySteps.get();
            while (busySteps.get() - busyAtInput < 1_000 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertTrue(busySteps.get() - busyAtInput >= 1_000, "steps did not see the unread socket in their polls: " +
                (busySteps.get() - busyAtInput) + " busy since the byte was sent");
            assertTrue(quietSteps.get() - quietAtInput <= 2, "a step saw a quiet poll while a byte waited unread: " +
                (quietSteps.get() - quietAtInput) + " (one may have been under way as it arrived)");
            assertEquals(null, failure.get());
        }
    }

    @Test
    void aTaskThatThrowsIsCountedAndTheTasksAfterItStillRun() throws Exception
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        ioThreads = new EdgeIoThreads(errors).open(worker);
        final CountDownLatch ranAfter = new CountDownLatch(1);
        final AtomicReference<String> ranOn = new AtomicReference<>();
        worker.getIoThread(0).execute(() ->
        {
            final EdgeIoThread executor = ioThreads.of(worker.getIoThread(0));
            executor.executeAfterPoll(() ->
            {
                throw new IllegalStateException("a failing step (expected by the test)");
            });
            executor.executeAfterPoll(() ->
            {
                ranOn.set(Thread.currentThread().getName());
                ranAfter.countDown();
            });
        });

        assertTrue(ranAfter.await(10, TimeUnit.SECONDS), "the task after the failing one never ran");
        assertEquals(worker.getIoThread(0).getName(), ranOn.get());
        assertEquals(1, errors.get(), "the failure counted");
    }
}
