package io.pushengine.edge.session;

import io.pushengine.codec.metrics.LatencyHistogram;
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
    private boolean pollQuiet; // what the IO thread's last poll found: nothing but the continuation (true)
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

        public boolean lastPollWasQuiet()
        {
            return pollQuiet;
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

    @Test
    void slicesDoubleWhileThePollsBetweenThemAreQuietAndStartOverAfterABusyOne()
    {
        final int max = IoThreadFlusher.MAX_SESSIONS_PER_SLICE;
        final int first = IoThreadFlusher.SESSIONS_PER_SLICE;
        final List<RecordingSession> sessions = queue(first + 2 * first + 4 * first + 8 * first + 16 * first + max + 3);
        assertEquals(16 * first, max, "the steps below assume slices of 4, 8, 16, 32, 64");

        pollQuiet = true; // the first slice is a plain task, not after a poll: it starts at the smallest slice
        tasks.poll().run();
        assertEquals(first, served(sessions), "a pass starts with the smallest slice");
        int expected = first;
        for (int slice = 2 * first; slice <= max; slice <<= 1)
        {
            afterPoll.poll().run();
            expected += slice;
            assertEquals(expected, served(sessions), "after a quiet poll the slice doubles, to " + slice);
        }
        afterPoll.poll().run();
        expected += max;
        assertEquals(expected, served(sessions), "and stays at the most, " + max);

        pollQuiet = false; // the poll found a socket ready (a publisher's request): input waits no longer than 4 writes
        afterPoll.poll().run();
        assertEquals(expected + 3, served(sessions), "the last three");
        assertEquals(0, afterPoll.size());

        final List<RecordingSession> next = queue(3 * first);
        tasks.poll().run();
        assertEquals(first, served(next), "a new pass starts small again");
        afterPoll.poll().run();
        assertEquals(2 * first, served(next), "after a busy poll the slice is the smallest");
        pollQuiet = true;
        afterPoll.poll().run();
        assertEquals(3 * first, served(next), "the pass ends");
        assertEquals(2 * first, flusher.sliceLimit(), "it had doubled after the quiet poll");
    }

    @Test
    void whatASliceWritesReachesTheCountersOnceAtItsEndAndWhatIsWrittenOutsideOneAtOnce()
    {
        final CountersManager counters = new CountersManager(
            new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024]));
        final AtomicCounter framesOut = counters.newCounter("frames out");
        final AtomicCounter bytesOut = counters.newCounter("bytes out");
        final IoThreadFlusher counting = new IoThreadFlusher(new SessionExecutor()
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
        }, 1024, 1024, null, DeliveryLatencies.unregistered(), new OffsetEpochNanoClock(), framesOut, bytesOut);
        final LatencyHistogram latency = counting.writeLatency("test"); // count(): what its counters hold
        final List<String> seenWhileWriting = new ArrayList<>();
        final List<RecordingSession> sessions = new ArrayList<>();
        for (int i = 0; i < IoThreadFlusher.SESSIONS_PER_SLICE + 1; i++)
        {
            final RecordingSession session = new RecordingSession(i, counting, 1024, 8 * 1024, ringBytes,
                new ConnectionOptions(List.of("t"), 0, null, 0, ConnectionOptions.NO_RESUME, false), false);
            session.onHeartbeat = () ->
            {
                counting.writeLatency("test").record(1_000_000L);
                counting.countWritten(2, 100);
                seenWhileWriting.add(framesOut.get() + " frames, " + bytesOut.get() + " bytes, " +
                    latency.count() + " latencies");
            };
            sessions.add(session);
            session.requestHeartbeat(1, 100 + i);
        }

        tasks.poll().run();
        assertEquals(List.of("0 frames, 0 bytes, 0 latencies", "0 frames, 0 bytes, 0 latencies",
            "0 frames, 0 bytes, 0 latencies", "0 frames, 0 bytes, 0 latencies"), seenWhileWriting,
            "no counter is touched while the slice writes");
        assertEquals(8, framesOut.get(), "the slice's four writes of two frames, added at its end");
        assertEquals(400, bytesOut.get());
        assertEquals(4, latency.count(), "and their latencies");

        seenWhileWriting.clear();
        afterPoll.poll().run();
        assertEquals(List.of("8 frames, 400 bytes, 4 latencies"), seenWhileWriting);
        assertEquals(10, framesOut.get(), "the last connection, in the next slice");
        assertEquals(500, bytesOut.get());
        assertEquals(5, latency.count());

        counting.countWritten(1, 7); // outside a slice: a socket writable again, a control frame, a poll's answer
        assertEquals(11, framesOut.get(), "outside a slice a write is counted at once");
        assertEquals(507, bytesOut.get());
        counting.writeLatency("test").record(1_000_000L);
        counting.latenciesRecorded();
        assertEquals(6, latency.count(), "and latencies recorded without a write, too");
    }

    private List<RecordingSession> queue(final int connections)
    {
        final List<RecordingSession> sessions = new ArrayList<>();
        for (int i = 0; i < connections; i++)
        {
            final RecordingSession session = new RecordingSession(i, flusher, 1024, 8 * 1024, ringBytes,
                new ConnectionOptions(List.of("t"), 0, null, 0, ConnectionOptions.NO_RESUME, false), false);
            sessions.add(session);
            session.requestHeartbeat(1, 100 + i);
        }
        assertEquals(1, tasks.size(), "one task for all the connections queued");
        return sessions;
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
