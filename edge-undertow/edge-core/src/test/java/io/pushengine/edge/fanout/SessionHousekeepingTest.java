package io.pushengine.edge.fanout;

import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.RecordingSession;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlusher;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SessionHousekeeping} stepped on an injected clock, no threads: a session's IO thread runs its tasks inline.
 */
class SessionHousekeepingTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long HEARTBEAT_NS = 1_000 * MS;
    private static final long IDLE_NS = 5_000 * MS;
    private static final long MAX_AGE_NS = 10_000 * MS;
    private static final long PASS_NS = HEARTBEAT_NS / 4; // the housekeeping interval

    private final FanOutCounters counters = newCounters();
    private final List<ClientSession> sessions = new ArrayList<>();
    private final List<ClientSession> forgotten = new ArrayList<>();
    private final IoThreadFlusher inlineIoThread = RecordingSession.inlineIoThread();

    private SessionHousekeeping housekeeping(final long maxConnectionAgeNs)
    {
        return new SessionHousekeeping(
            new FanOutAgent.Timeouts(HEARTBEAT_NS, IDLE_NS, 10_000 * MS, 5_000 * MS, maxConnectionAgeNs, 100),
            counters, () -> 42L, session ->
            {
                forgotten.add(session);
                sessions.remove(session);
            },
            session -> false);
    }

    @Test
    void heartbeatsAQuietSessionOncePerIntervalWithTheStreamPosition()
    {
        final SessionHousekeeping housekeeping = housekeeping(0);
        final RecordingSession session = open(1, 0);
        for (long now = 0; now <= 3 * HEARTBEAT_NS; now += PASS_NS)
        {
            housekeeping.doWork(now, sessions, 77);
        }
        assertEquals(List.of(77L, 77L, 77L), session.heartbeatSequences, "one heartbeat per interval, none sooner");
        assertEquals(3, counters.heartbeatsSent().get());
        assertTrue(forgotten.isEmpty());
    }

    @Test
    void closesASessionWithoutSubscriptionsAfterTheIdleTimeoutWithCode1000()
    {
        final SessionHousekeeping housekeeping = housekeeping(0);
        final RecordingSession idle = open(1, 0);
        idle.idleSinceNs(1);
        final RecordingSession busy = open(2, 0);
        long now = 0;
        while (idle.closeCode == 0 && now < 2 * IDLE_NS)
        {
            now += PASS_NS;
            housekeeping.doWork(now, sessions, 0);
        }
        assertEquals(CloseCodes.NORMAL, idle.closeCode);
        assertEquals("idle: no subscription for 5000 ms", idle.closeReason);
        assertTrue(now > IDLE_NS && now <= IDLE_NS + PASS_NS + 1, "closed at the first pass after the timeout: " + now);
        assertEquals(List.of(idle), forgotten);
        assertEquals(0, busy.closeCode);
        assertEquals(1, counters.idleCloses().get());
    }

    @Test
    void recyclesEachLongLivedSessionInTheLastFifthOfItsMaximumAgeSpreadOut()
    {
        final SessionHousekeeping housekeeping = housekeeping(MAX_AGE_NS);
        final List<RecordingSession> opened = new ArrayList<>();
        for (int i = 1; i <= 200; i++)
        {
            opened.add(open(i, 1));
        }
        final long[] closedAt = new long[opened.size()];
        for (long now = 1; now <= MAX_AGE_NS + PASS_NS; now += PASS_NS)
        {
            housekeeping.doWork(now, sessions, 0);
            for (int i = 0; i < opened.size(); i++)
            {
                if (0 == closedAt[i] && 0 != opened.get(i).closeCode)
                {
                    closedAt[i] = now;
                }
            }
        }
        long first = Long.MAX_VALUE;
        long last = 0;
        for (int i = 0; i < opened.size(); i++)
        {
            final RecordingSession session = opened.get(i);
            assertEquals(CloseCodes.GOING_AWAY, session.closeCode, "session " + session.sessionId());
            assertTrue(session.closeReason.startsWith("connection recycled after ") &&
                session.closeReason.contains("retry-after-ms="), session.closeReason);
            first = Math.min(first, closedAt[i]);
            last = Math.max(last, closedAt[i]);
        }
        assertTrue(first >= MAX_AGE_NS * 4 / 5 - PASS_NS, "none before the last fifth: " + first);
        assertTrue(last - first >= MAX_AGE_NS / 10, "spread over the last fifth: " + first + ".." + last);
        assertEquals(200, counters.recycleCloses().get());
        assertTrue(sessions.isEmpty());
    }

    @Test
    void drainClosesEverySessionWith1001SpreadOverTheWindow()
    {
        final SessionHousekeeping housekeeping = housekeeping(0);
        final List<RecordingSession> opened = new ArrayList<>();
        for (int i = 1; i <= 100; i++)
        {
            opened.add(open(i, 0));
        }
        housekeeping.doWork(0, sessions, 0);
        housekeeping.drain(2_000 * MS, 50);
        assertTrue(!housekeeping.isDraining(), "a drain starts at the next pass, on the fan-out thread");
        final List<Integer> closedPerPass = new ArrayList<>();
        for (long now = PASS_NS; now <= 2_000 * MS + 2 * PASS_NS; now += PASS_NS)
        {
            final int before = forgotten.size();
            housekeeping.doWork(now, sessions, 0);
            closedPerPass.add(forgotten.size() - before);
        }
        assertTrue(housekeeping.isDraining());
        assertTrue(sessions.isEmpty(), sessions.size() + " sessions left after the window");
        for (final RecordingSession session : opened)
        {
            assertEquals(CloseCodes.GOING_AWAY, session.closeCode);
            assertTrue(session.closeReason.startsWith("edge draining: reconnect to another edge; retry-after-ms="),
                session.closeReason);
        }
        assertTrue(closedPerPass.stream().filter(count -> count > 0).count() >= 4,
            "closes spread over the window, not at once: " + closedPerPass);
        assertEquals(100, counters.drainCloses().get());
    }

    private RecordingSession open(final long sessionId, final long openedNs)
    {
        final RecordingSession session = new RecordingSession(sessionId, inlineIoThread, 1024, 1024,
            counters.ringBytes(), new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false), false);
        session.openedNs(openedNs);
        session.fanOutIndex(sessions.size());
        sessions.add(session);
        return session;
    }

    private static FanOutCounters newCounters()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024]));
        return FanOutCounters.allocate(typeId -> manager.newCounter("test", typeId));
    }
}
