package io.pushengine.edge.session;

import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A flush and the batching window its events asked for, stepped on one thread with the fan-out's and the IO
 * thread's turns interleaved by hand: the window travels with its flush, so a flush the IO thread takes early
 * cannot use up the window of events whose own flush comes later (that later flush then drained at once what a
 * 30 s window should have held: the TopicBatchingWindowTest flake).
 */
class ClientSessionBatchWindowTest
{
    private static final long WINDOW_MS = 30_000;

    private final ArrayDeque<Runnable> ioTasks = new ArrayDeque<>();
    private final ArrayDeque<Runnable> timers = new ArrayDeque<>();
    private final AtomicCounter ringBytes = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024])).newCounter("ring bytes");
    private final IoThreadFlusher flusher = new IoThreadFlusher(new SessionExecutor()
    {
        public void execute(final Runnable task)
        {
            ioTasks.add(task);
        }

        public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
        {
            assertEquals(WINDOW_MS, unit.toMillis(delay), "the window asked");
            timers.add(task);
        }
    }, 1024, 1024, null, DeliveryLatencies.unregistered(), new OffsetEpochNanoClock());
    private final RecordingSession session = new RecordingSession(1, flusher, 1024, 8 * 1024, ringBytes,
        new ConnectionOptions(List.of("slow", "fast"), 0, null, 0, ConnectionOptions.NO_RESUME, false), false);

    @Test
    void aWindowAskedBeforeTheIoThreadTookAnEarlierFlushStillHoldsItsEvents()
    {
        session.mayWaitFor(WINDOW_MS); // fan-out, duty cycle 1: the first event of the windowed topic
        session.requestFlush();
        session.mayWaitFor(WINDOW_MS); // fan-out, duty cycle 2: the second event, queued before ...

        runIoThread(); // ... the IO thread takes the first flush and opens the window
        assertEquals(0, session.drains, "held by the window");
        assertEquals(1, timers.size(), "one window open");

        session.requestFlush(); // fan-out, end of duty cycle 2
        runIoThread();
        assertEquals(0, session.drains, "the second event's flush brings its window: still held");
        assertEquals(1, timers.size(), "the open window ends no later: no second timer");

        timers.poll().run();
        assertEquals(1, session.drains, "both leave together when the window ends");
    }

    @Test
    void anEventWithoutAWindowDrainsWhatTheWindowHeldAtOnce()
    {
        session.mayWaitFor(WINDOW_MS);
        session.requestFlush();
        runIoThread();
        assertEquals(0, session.drains, "held by the window");

        session.mayWaitFor(0); // an event of a topic without a window, and the connection has none
        session.requestFlush();
        runIoThread();
        assertEquals(1, session.drains, "drained at once, with what the window held");
    }

    @Test
    void aFlushWithoutEventsTakesTheConnectionsWindowNotAnEarlierEventsWindow()
    {
        session.mayWaitFor(WINDOW_MS);
        session.requestFlush();
        runIoThread();
        timers.poll().run();
        assertEquals(1, session.drains, "the window ended");

        session.requestFlush(); // e.g. a confirmation: no event asked for a window
        runIoThread();
        assertEquals(2, session.drains, "sent at once: the window asked before was handed over and used");
        assertEquals(0, timers.size());
    }

    private void runIoThread()
    {
        Runnable task;
        while (null != (task = ioTasks.poll()))
        {
            task.run();
        }
    }
}
