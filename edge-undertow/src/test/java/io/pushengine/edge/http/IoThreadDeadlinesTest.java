package io.pushengine.edge.http;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request deadlines on an IO thread's wheel ({@link IoThreadDeadlines}, {@link RequestDeadline}): a real XNIO IO
 * thread, as the edge runs them; every step on it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoThreadDeadlinesTest
{
    private XnioWorker worker;
    private XnioIoThread ioThread;
    private EdgeIoThread edgeIoThread;
    private AtomicCounter armed;

    @BeforeEach
    void start() throws java.io.IOException
    {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        ioThread = worker.getIoThread(0);
        final CountersManager counters = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.METADATA_LENGTH * 2)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.COUNTER_LENGTH * 2)));
        armed = counters.newCounter("armed");
        edgeIoThread = new EdgeIoThreads(counters.newCounter("errors")).open(worker).of(ioThread);
    }

    @AfterEach
    void stop()
    {
        worker.shutdownNow();
    }

    @Test
    void aTimeoutFiresOnceNotBeforeItsDelayAndOnlyIfNotDisarmed() throws Exception
    {
        final List<String> fired = new CopyOnWriteArrayList<>();
        final long[] armedAtNs = new long[1];
        final CompletableFuture<Long> firedAtNs = new CompletableFuture<>();
        final RequestDeadline[] answered = new RequestDeadline[1];
        onIoThread(() ->
        {
            armedAtNs[0] = System.nanoTime();
            new RequestDeadline(armed).arm(edgeIoThread, () ->
            {
                fired.add("late");
                firedAtNs.complete(System.nanoTime());
            }, 50, TimeUnit.MILLISECONDS);
            answered[0] = new RequestDeadline(armed);
            answered[0].arm(edgeIoThread, () -> fired.add("answered"), 20, TimeUnit.MILLISECONDS);
            return null;
        });
        assertEquals(2, armed.get(), "two armed");
        onIoThread(() ->
        {
            answered[0].disarm();
            answered[0].disarm(); // twice: no harm
            return null;
        });

        final long at = firedAtNs.get(10, TimeUnit.SECONDS);
        assertTrue(at - armedAtNs[0] >= TimeUnit.MILLISECONDS.toNanos(50),
            "fired " + (at - armedAtNs[0]) + " ns after it was armed for 50 ms");
        Thread.sleep(100); // more ticks of the wheel: nothing fires again
        assertEquals(List.of("late"), fired, "the late one once; the answered one never");
        assertEquals(0, armed.get(), "none armed");
        assertEquals(0L, (long)onIoThread(() -> edgeIoThread.deadlines().size()), "the wheel is empty");
    }

    @Test
    void aDeadlineResetAfterItFiredOrWasDisarmedArmsAgainAndOneStillArmedIsNotReset() throws Exception
    {
        final List<String> fired = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> firedOnce = new CompletableFuture<>();
        final RequestDeadline timeout = new RequestDeadline(armed);
        onIoThread(() ->
        {
            timeout.arm(edgeIoThread, () ->
            {
                fired.add("first");
                firedOnce.complete(null);
            }, 1, TimeUnit.MILLISECONDS);
            return null;
        });
        firedOnce.get(10, TimeUnit.SECONDS);

        final CompletableFuture<Void> firedAgain = new CompletableFuture<>();
        onIoThread(() ->
        {
            timeout.reset(); // fired: reusable
            timeout.arm(edgeIoThread, () -> fired.add("disarmed"), 1, TimeUnit.SECONDS);
            assertThrows(IllegalStateException.class, timeout::reset, "armed: not reset");
            timeout.disarm();
            timeout.reset(); // disarmed: reusable
            timeout.arm(edgeIoThread, () ->
            {
                fired.add("again");
                firedAgain.complete(null);
            }, 1, TimeUnit.MILLISECONDS);
            return null;
        });
        firedAgain.get(10, TimeUnit.SECONDS);

        assertEquals(List.of("first", "again"), fired);
        assertEquals(0, armed.get(), "none armed");
    }

    @Test
    void aTimeoutDisarmedBeforeItIsArmedNeverArms() throws Exception
    {
        final List<String> fired = new CopyOnWriteArrayList<>();
        onIoThread(() ->
        {
            final RequestDeadline timeout = new RequestDeadline(armed);
            timeout.disarm(); // answered before its timeout was armed
            timeout.arm(edgeIoThread, () -> fired.add("never"), 1, TimeUnit.MILLISECONDS);
            return null;
        });
        assertEquals(0, armed.get());
        Thread.sleep(100);
        assertEquals(List.of(), fired);
    }

    @Test
    void whatAFiringDoesToOtherTimeoutsTakesEffectThere() throws Exception
    {
        // a firing can answer 504, end the exchange, close the connection (disarming the timeouts of its other
        // requests, some expired in the same tick) or start its next request (arming a new one)
        final List<String> fired = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> armedAfter = new CompletableFuture<>();
        onIoThread(() ->
        {
            final RequestDeadline second = new RequestDeadline(armed);
            final RequestDeadline first = new RequestDeadline(armed);
            first.arm(edgeIoThread, () ->
            {
                fired.add("first");
                second.disarm(); // expired in the same tick, not fired yet: must not fire now
                new RequestDeadline(armed).arm(edgeIoThread, () ->
                {
                    fired.add("armed by the first");
                    armedAfter.complete(null);
                }, 30, TimeUnit.MILLISECONDS);
            }, 1, TimeUnit.MILLISECONDS);
            second.arm(edgeIoThread, () -> fired.add("second"), 1, TimeUnit.MILLISECONDS);
            return null;
        });

        armedAfter.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("first", "armed by the first"), fired);
        assertEquals(0, armed.get());
    }

    @Test
    void manyTimeoutsArmedAndDisarmedLeaveNothingBehindAndTheLastStillFires() throws Exception
    {
        final CompletableFuture<Void> last = new CompletableFuture<>();
        final List<String> fired = new CopyOnWriteArrayList<>();
        for (int round = 0; round < 20; round++)
        {
            onIoThread(() ->
            {
                final List<RequestDeadline> timeouts = new ArrayList<>();
                for (int i = 0; i < 5_000; i++)
                {
                    final RequestDeadline timeout = new RequestDeadline(armed);
                    timeout.arm(edgeIoThread, () -> fired.add("disarmed one"), 5, TimeUnit.SECONDS);
                    timeouts.add(timeout);
                }
                timeouts.forEach(RequestDeadline::disarm);
                return null;
            });
        }
        assertEquals(0, armed.get());
        assertEquals(0L, (long)onIoThread(() -> edgeIoThread.deadlines().size()));
        onIoThread(() ->
        {
            new RequestDeadline(armed).arm(edgeIoThread, () -> last.complete(null), 20, TimeUnit.MILLISECONDS);
            return null;
        });
        last.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), fired);
    }

    @Test
    void armingOffItsIoThreadIsRefused()
    {
        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> new RequestDeadline(armed).arm(edgeIoThread, () -> { }, 1, TimeUnit.SECONDS));
        assertTrue(refused.getMessage().contains("armed on their IO thread"), refused.getMessage());
        assertEquals(0, armed.get());
    }

    private <T> T onIoThread(final Callable<T> step) throws Exception
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        ioThread.execute(() ->
        {
            try
            {
                result.complete(step.call());
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }
}
