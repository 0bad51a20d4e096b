package io.pushengine.edge.session;

import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * An IO thread's pass over the connections the fan-out queued, stepped on one thread: one task for many
 * connections, {@link IoThreadFlusher#SESSIONS_PER_SLICE} at a time, each slice after the first continued only
 * after the IO thread's next poll of its sockets ({@link SessionExecutor#executeAfterPoll}), so input that arrived
 * meanwhile is read between slices.
 */
class IoThreadFlusherTest
{
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final ArrayDeque<Runnable> afterPoll = new ArrayDeque<>();
    private final AtomicCounter ringBytes = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024])).newCounter("ring bytes");
    private final IoThreadFlusher flusher = new IoThreadFlusher(new SessionExecutor()
    {
        public void execute(final Runnable task)
        {
            tasks.add(task);
        }

        public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
        {
            throw new UnsupportedOperationException("no batching window here");
        }

        public void executeAfterPoll(final Runnable task)
        {
            afterPoll.add(task);
        }
    }, 1024, 1024, null, DeliveryLatencies.unregistered(), new OffsetEpochNanoClock());

    @Test
    void onePassInSlicesEachContinuedAfterThePoll()
    {
        final int connections = 2 * IoThreadFlusher.SESSIONS_PER_SLICE + 2;
        final List<RecordingSession> sessions = new ArrayList<>();
        for (int i = 0; i < connections; i++)
        {
            final RecordingSession session = new RecordingSession(i, flusher, 1024, 8 * 1024, ringBytes,
                new ConnectionOptions(List.of("t"), 0, null, 0, ConnectionOptions.NO_RESUME, false), false);
            sessions.add(session);
            session.requestHeartbeat(1, 100 + i);
        }
        assertEquals(1, tasks.size(), "one task for all the connections queued");
        assertSame(flusher, tasks.peek());

        tasks.poll().run();
        assertEquals(IoThreadFlusher.SESSIONS_PER_SLICE, served(sessions), "the first slice");
        assertEquals(0, tasks.size(), "the rest is not a plain task: XNIO would run it before reading any socket");
        assertEquals(1, afterPoll.size(), "the rest waits for the next poll");

        afterPoll.poll().run();
        assertEquals(2 * IoThreadFlusher.SESSIONS_PER_SLICE, served(sessions), "the second slice");
        assertEquals(1, afterPoll.size());

        afterPoll.poll().run();
        assertEquals(connections, served(sessions), "the last slice");
        assertEquals(0, afterPoll.size(), "nothing left: no continuation");
        assertEquals(0, tasks.size());

        sessions.get(0).requestHeartbeat(2, 200);
        assertEquals(1, tasks.size(), "the next request after the pass starts a new one");
    }

    private static int served(final List<RecordingSession> sessions)
    {
        int served = 0;
        for (final RecordingSession session : sessions)
        {
            served += session.heartbeatSequences.size();
        }
        return served;
    }
}
