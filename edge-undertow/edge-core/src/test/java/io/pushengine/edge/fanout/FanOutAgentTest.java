package io.pushengine.edge.fanout;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.Subscription;
import io.pushengine.codec.sbe.CatalogCompleteEncoder;
import io.pushengine.codec.sbe.CatalogRequestDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.TopicDeclaredEncoder;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.DeliveryLatencies;
import io.pushengine.edge.session.IoThreadFlusher;
import io.pushengine.edge.session.RecordingPoll;
import io.pushengine.edge.session.RecordingSession;
import io.pushengine.edge.session.SessionExecutor;
import io.pushengine.edge.session.SharedLogReadingSession;
import io.pushengine.edge.session.SubscriptionOptions;
import org.agrona.CloseHelper;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fan-out agent stepped duty cycle by duty cycle on the test's thread, on an injected clock: the event stream is
 * a real Aeron IPC stream with the media driver and client as invokers, written by the test as the engine would;
 * sessions are {@link RecordingSession}s whose IO side runs inline (or {@link SharedLogReadingSession}s, which read
 * the edge's shared log as WebSocket and SSE connections do). Each delivery policy's contract when a client has no
 * room.
 */
class FanOutAgentTest
{
    private static final int EVENTS_STREAM = 2001;
    private static final int TOPIC = 7;
    private static final int MAX_STEPS = 100_000;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @TempDir
    File dir;

    private MediaDriver driver;
    private Aeron aeron;
    private ExclusivePublication engine;
    private Subscription ingress;
    private FanOutAgent agent;
    private long nowNs = 1;
    private long nextSequence = 1;
    private final FanOutCounters counters = newCounters();
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[512]);
    private final IoThreadFlusher inlineIoThread = RecordingSession.inlineIoThread();

    @BeforeEach
    void start()
    {
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "aeron").getAbsolutePath())
            .threadingMode(ThreadingMode.INVOKER)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .useConductorAgentInvoker(true)
            .driverAgentInvoker(driver.sharedAgentInvoker()));
        engine = aeron.addExclusivePublication("aeron:ipc", EVENTS_STREAM);
        ingress = aeron.addSubscription("aeron:ipc", EVENTS_STREAM + 1); // the engine's: the edge's requests
    }

    @AfterEach
    void close()
    {
        CloseHelper.quietCloseAll(aeron, driver);
    }

    @Test
    void conflateGivesASlowClientTheLatestValueNotTheBacklog()
    {
        final RecordingSession session = startWith("px.*=conflate");
        session.room = 1;
        publish(5);
        step(() -> counters.conflated().get() == 4);
        assertEquals(List.of(1L), session.events);

        session.room = Integer.MAX_VALUE;
        step(() -> session.events.size() == 2);
        assertEquals(List.of(1L, 5L), session.events, "the latest value, none of the stale ones");
        publish(1);
        step(() -> session.events.size() == 3);
        assertEquals(6L, session.events.get(2), "then live again");
    }

    @Test
    void latestValuesHeldBackForALaggingClientGoOutOldestFirstSoItsCursorOnlyRises()
    {
        latestValuesGoOutOldestFirst(3); // a few: sorted by insertion
    }

    @Test
    void latestValuesOfManyTopicsHeldBackGoOutOldestFirst()
    {
        latestValuesGoOutOldestFirst(40); // many: sorted as packed keys
    }

    private void latestValuesGoOutOldestFirst(final int topicCount)
    {
        agent = newAgent("px.*=conflate", 1024);
        final List<String> names = new ArrayList<>();
        for (int t = 0; t < topicCount; t++)
        {
            declare(100 + t, "px.t" + t);
            names.add("px.t" + t);
        }
        step(() -> agent.declaredTopics().size() == topicCount);
        final ConnectionOptions options =
            new ConnectionOptions(names, 0, null, 0, ConnectionOptions.NO_RESUME, false);
        final RecordingSession session = new RecordingSession(
            topicCount, inlineIoThread, 1024, 64 * 1024, counters.ringBytes(), options, false);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.register(session));
        SessionCommand.offerInitialSubscriptions(agent.commandQueue(), session, options);
        step(() -> session.controls.size() == topicCount);

        session.room = 0;
        for (int t = 0; t < topicCount; t++)
        {
            publish(100 + t, 1); // sequences 1..n, one per topic
        }
        publish(100, 1); // n + 1: the first topic's value is replaced by a newer one
        publish(101, 1); // n + 2: and the second's
        step(() -> counters.conflated().get() >= topicCount + 2);

        session.room = Integer.MAX_VALUE;
        step(() -> session.events.size() == topicCount);
        final List<Long> expected = new ArrayList<>();
        for (long sequence = 3; sequence <= topicCount + 2; sequence++)
        {
            expected.add(sequence);
        }
        assertEquals(expected, session.events, topicCount + " topics: each latest value once, oldest first");
    }

    @Test
    void dropTellsTheClientExactlyWhatItMissedThenGoesOn()
    {
        final RecordingSession session = startWith("px.*=drop");
        session.room = 1;
        publish(5);
        step(() -> counters.dropped().get() == 4);
        session.room = Integer.MAX_VALUE;
        publish(1);
        step(() -> session.events.size() == 2);
        assertEquals(List.of(1L, 6L), session.events);
        assertTrue(session.controls.contains("gap px.a 2..5"), session.controls.toString());
        assertEquals(1, counters.gapNotices().get());
    }

    @Test
    void disconnectClosesASlowClient1013AndCountsIt()
    {
        final RecordingSession session = startWith("");
        session.room = 1;
        publish(3);
        step(() -> session.closeCode != 0);
        assertEquals(CloseCodes.TRY_AGAIN_LATER, session.closeCode);
        assertTrue(session.closeReason.startsWith("slow consumer"), session.closeReason);
        assertEquals(1, counters.slowConsumerDisconnects().get());
        assertEquals(0, counters.sessions().get(), "forgotten");
    }

    @Test
    void throttleSendsAtMostTheRateTheLatestValueWhenDue()
    {
        final RecordingSession session = startWith("px.*=throttle:2");
        publish(5);
        step(() -> counters.throttled().get() == 4);
        assertEquals(List.of(1L), session.events, "one now, the rest held back");

        nowNs += 499 * MS;
        step(() -> true);
        assertEquals(List.of(1L), session.events, "not due before 500 ms");
        nowNs += 2 * MS;
        step(() -> session.events.size() == 2);
        assertEquals(List.of(1L, 5L), session.events, "the latest when due");
    }

    @Test
    void heldThrottleValuesOfTwoTopicsThatFallDueTogetherGoOldestFirst()
    {
        agent = newAgent("px.*=throttle:2", 1024);
        declare();
        declare(TOPIC + 1, "px.b");
        step(() -> agent.declaredTopics().size() == 2);
        final ConnectionOptions options =
            new ConnectionOptions(List.of("px.a", "px.b"), 0, null, 0, ConnectionOptions.NO_RESUME, false);
        final RecordingSession session = new RecordingSession(
            1, inlineIoThread, 1024, 64 * 1024, counters.ringBytes(), options, false);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.register(session));
        SessionCommand.offerInitialSubscriptions(agent.commandQueue(), session, options);
        step(() -> session.controls.contains("subscribed px.a") && session.controls.contains("subscribed px.b"));

        publish(TOPIC, 1); // 1: px.a, sent first, so due first
        publish(TOPIC + 1, 1); // 2: px.b
        step(() -> session.events.size() == 2);
        publish(TOPIC + 1, 1); // 3: px.b, held
        publish(TOPIC, 1); // 4: px.a, held
        step(() -> counters.throttled().get() == 2);

        nowNs += 500 * MS;
        step(() -> session.events.size() == 4);
        assertEquals(List.of(1L, 2L, 3L, 4L), session.events,
            "both fell due in one duty cycle: the older value first, so the sequences a client is given keep rising");
    }

    @Test
    void aThrottledFeedSlowerThanItsRateHoldsNothingAndLetsTheFanOutPark()
    {
        final RecordingSession session = startWith("px.*=throttle:2");
        publish(1);
        step(() -> session.events.size() == 1);
        assertFalse(agent.policiesHoldBack(), "sent at once, nothing held: no reason to wake every millisecond");

        publish(1);
        step(() -> counters.throttled().get() == 1);
        assertTrue(agent.policiesHoldBack(), "a value held until its slot opens");
        nowNs += 500 * MS;
        step(() -> session.events.size() == 2);
        assertFalse(agent.policiesHoldBack(), "sent when due: nothing held again");
    }

    @Test
    void aHeldThrottleValueGoesAtOnceWhenTheClientAsksForAFasterRate()
    {
        final RecordingSession session = startWith("px.*=disconnect");
        updateSubscription(session, new SubscriptionOptions(1, 0)); // throttle:1
        publish(3);
        step(() -> counters.throttled().get() == 2);
        assertEquals(List.of(1L), session.events, "one now, 2 and 3 held for a second");

        updateSubscription(session, new SubscriptionOptions(10, 0));
        step(() -> session.events.size() == 2);
        assertEquals(List.of(1L, 3L), session.events, "the new rate's first value is due at once: the latest");
        publish(1);
        step(() -> counters.throttled().get() == 3);
        nowNs += 100 * MS;
        step(() -> session.events.size() == 3);
        assertEquals(List.of(1L, 3L, 4L), session.events, "then every 100 ms");
    }

    @Test
    void aSubscriptionThatStopsThrottlingWhileItHoldsAValueIsGivenEveryEventAgainAtOnce()
    {
        final RecordingSession session = startWith("px.*=disconnect");
        updateSubscription(session, new SubscriptionOptions(1, 0)); // throttle:1
        publish(3);
        step(() -> counters.throttled().get() == 2);
        publish(2);
        step(() -> counters.throttled().get() == 4);
        assertEquals(List.of(1L), session.events, "2..5 held for a second");

        updateSubscription(session, SubscriptionOptions.NONE); // back to DISCONNECT, well before the second is up
        step(() -> session.events.size() == 2);
        publish(2);
        step(() -> session.events.size() == 4);
        assertEquals(List.of(1L, 5L, 6L, 7L), session.events, "the owed latest value, then every event");
        assertEquals(4, counters.throttled().get(), "nothing more held back");
    }

    @Test
    void aHeldThrottleValueThatFallsDueWithoutRoomGoesWhenThereIsRoomAndTheIntervalRunsFromThatSend()
    {
        final RecordingSession session = startWith("px.*=throttle:2");
        publish(3);
        step(() -> counters.throttled().get() == 2);
        session.room = 0;
        nowNs += 500 * MS;
        step(() -> true);
        assertEquals(List.of(1L), session.events, "due, but no room");

        nowNs += 100 * MS;
        session.room = Integer.MAX_VALUE;
        step(() -> session.events.size() == 2);
        assertEquals(List.of(1L, 3L), session.events, "sent once there is room");
        publish(1);
        step(() -> counters.throttled().get() == 3);
        nowNs += 499 * MS;
        step(() -> true);
        assertEquals(List.of(1L, 3L), session.events, "the next is due 500 ms after that send, not before");
        nowNs += MS;
        step(() -> session.events.size() == 3);
        assertEquals(List.of(1L, 3L, 4L), session.events);
    }

    @Test
    void aThrottledValueStillOwedWhenTheClientSwitchesToDropIsReportedAsAGap()
    {
        final RecordingSession session = startWith("px.*=drop");
        updateSubscription(session, new SubscriptionOptions(2, 0)); // throttle:2 on a DROP topic
        publish(5);
        step(() -> counters.throttled().get() == 4);
        assertEquals(List.of(1L), session.events, "one now, 2..5 held back by the throttle");

        updateSubscription(session, SubscriptionOptions.NONE); // back to the connection's policy: DROP
        step(() -> session.controls.contains("gap px.a 2..5"));
        publish(1);
        step(() -> session.events.size() == 2);
        assertEquals(List.of(1L, 6L), session.events, "the owed value is not sent under DROP: it is in the gap");
        assertEquals(1, counters.gapNotices().get());
    }

    @Test
    void aGapNotYetReportedWhenTheClientSwitchesFromDropToThrottleGoesBeforeItsNextEvent()
    {
        final RecordingSession session = startWith("px.*=drop");
        session.room = 1;
        publish(5);
        step(() -> counters.dropped().get() == 4);
        session.room = 0;
        updateSubscription(session, new SubscriptionOptions(2, 0));
        step(() -> session.controls.size() == 2); // subscribed, and subscribed again: nothing else fits
        publish(1);
        step(() -> counters.throttled().get() == 1);

        session.room = Integer.MAX_VALUE;
        step(() -> session.events.size() == 2);
        assertEquals(List.of("subscribed px.a", "subscribed px.a", "gap px.a 2..5"), session.controls,
            "the gap went first");
        assertEquals(List.of(1L, 6L), session.events, "then the throttle's latest value");
        publish(1);
        step(() -> counters.throttled().get() == 2);
        assertEquals(List.of(1L, 6L), session.events, "throttled from here on");
    }

    @Test
    void throttleReadsWhatItIsDueFromTheSharedLogNotACopyInItsRing()
    {
        final SharedLogReadingSession session = startSharedLogReader("px.*=throttle:2", 1024, 64 * 1024, "px.a");
        publish(5);
        step(() -> counters.throttled().get() == 4);
        assertEquals(List.of(1L), session.fromLog, "one now, from the shared log; the rest held back");

        nowNs += 499 * MS;
        step(() -> true);
        assertEquals(List.of(1L), session.fromLog, "not due before 500 ms");
        nowNs += 2 * MS;
        step(() -> session.fromLog.size() == 2);
        assertEquals(List.of(1L, 5L), session.fromLog, "the latest when due, read where the cursor had passed it");
        assertEquals(List.of(), session.fromRing, "nothing copied into the ring");
        assertTrue(session.isInSharedLog());

        nowNs += 501 * MS;
        publish(1);
        step(() -> session.fromLog.size() == 3);
        assertEquals(List.of(1L, 5L, 6L), session.fromLog, "a slot open: the next event at once");
    }

    @Test
    void heldValuesOfThrottledTopicsReleasedTogetherAreReadOldestFirst()
    {
        final SharedLogReadingSession session =
            startSharedLogReader("px.*=throttle:2", 1024, 64 * 1024, "px.a", "px.b");
        publish(TOPIC, 1); // 1: sent
        publish(TOPIC + 1, 1); // 2: sent
        publish(TOPIC + 1, 1); // 3: held
        publish(TOPIC, 1); // 4: held
        step(() -> counters.throttled().get() == 2);
        assertEquals(List.of(1L, 2L), session.fromLog);

        nowNs += 501 * MS;
        step(() -> session.fromLog.size() == 4);
        assertEquals(List.of(1L, 2L, 3L, 4L), session.fromLog, "both latest values, in sequence order");
        assertEquals(List.of(), session.fromRing);
    }

    @Test
    void aHeldThrottleValueReleasedBehindTheCursorGoesOnceAfterNewerEventsOfOtherTopics()
    {
        final SharedLogReadingSession session =
            startSharedLogReader("px.a=throttle:2", 1024, 64 * 1024, "px.a", "px.b");
        publish(TOPIC, 1); // 1: sent
        publish(TOPIC, 1); // 2: held
        publish(TOPIC + 1, 1); // 3: px.b (disconnect): its IO thread reads on past 2
        step(() -> session.fromLog.contains(3L));
        assertEquals(List.of(1L, 3L), session.fromLog, "2 is held: passed over in the log");

        nowNs += 501 * MS;
        step(() -> session.fromLog.size() == 3);
        publish(TOPIC + 1, 1); // 4
        step(() -> session.fromLog.contains(4L));
        assertEquals(List.of(1L, 3L, 2L, 4L), session.fromLog,
            "the held value when due, though the cursor had passed it, once; then on from the cursor");
        assertEquals(List.of(), session.fromRing);
    }

    @Test
    void aThrottledValueLappedBeforeItsReleaseWasReadGoesAgainAsTheLatestValue()
    {
        final SharedLogReadingSession session =
            startSharedLogReader("px.a=throttle:2", 8, 64 * 1024, "px.a", "px.b");
        declare(TOPIC + 2, "px.c");
        step(() -> agent.declaredTopics().size() == 3);
        publish(TOPIC, 1); // 1: sent
        publish(TOPIC, 1); // 2: held
        publish(TOPIC + 1, 1); // 3: read, so the cursor is at 4
        step(() -> session.fromLog.contains(3L));

        session.stalled = true;
        nowNs += 501 * MS;
        step(() -> true); // 2 is released while the log still holds it; the client reads nothing
        publish(TOPIC + 2, 7); // 4..10 of a topic it does not take: the log of 8 holds 3..10, 2 is gone
        step(() -> counters.eventsIn().get() == 10);

        session.stalled = false;
        session.requestFlush(); // its socket turns writable
        step(() -> session.fromLog.size() + session.fromRing.size() > 2 || 1 == counters.sharedLogSkips().get());
        assertEquals(List.of(1L, 3L), session.fromLog, "the release was overwritten: not read");
        assertEquals(1, counters.sharedLogSkips().get(), "handed back to the fan-out");

        nowNs += 500 * MS; // its next slot
        step(() -> session.fromRing.contains(2L));
        assertEquals(List.of(2L), session.fromRing, "the topic's latest value again, from the fan-out's cache");
        assertEquals(0, counters.slowConsumerDisconnects().get());
    }

    @Test
    void conflateReadsTheSharedLogWhileTheClientKeepsUpAndLagsWhenItFallsTooFarBehind()
    {
        final SharedLogReadingSession session = startSharedLogReader(8, 4 * 1024);
        publish(1);
        step(() -> session.fromLog.size() == 1);
        assertEquals(List.of(1L), session.fromLog, "from the shared log: no copy of the event in its ring");

        session.stalled = true;
        publish(6); // 2..7: the log of 8 events still holds 2.., the cursor is at 1
        step(() -> counters.eventsIn().get() == 7);
        assertEquals(0, counters.conflated().get(), "behind by less than its ring capacity: not lagging");
        publish(4); // 8..11: 2 is overwritten at 10, the connection is further behind than its ring could be
        step(() -> counters.eventsIn().get() == 11);
        assertEquals(1, counters.conflated().get(), "10 ends its segment (it was in the log already), 11 lags");

        session.stalled = false;
        session.requestFlush(); // a signal, as its socket turning writable gives
        step(() -> session.fromRing.contains(11L));
        assertEquals(List.of(1L), session.fromLog, "the span the writer lapped is skipped, not read");
        assertEquals(List.of(11L), session.fromRing, "then the latest value, once");
        assertEquals(1, counters.sharedLogSkips().get());
        assertEquals(0, counters.slowConsumerDisconnects().get(), "a conflating client is never cut");

        publish(1);
        step(() -> session.fromLog.contains(12L));
        assertEquals(List.of(1L, 12L), session.fromLog, "caught up: from the shared log again");
    }

    @Test
    void aConflatingReaderLappedByOtherTopicsGetsItsTopicsLatestValueAgainOnce()
    {
        final SharedLogReadingSession session = startSharedLogReader(8, 64 * 1024);
        declare(TOPIC + 1, "px.other");
        step(() -> agent.declaredTopics().size() == 2);
        publish(1);
        step(() -> session.fromLog.size() == 1);

        session.stalled = true;
        publish(2); // 2, 3: the latest value of its topic is 3, in the log, not yet read
        publish(TOPIC + 1, 12); // 4..15 of a topic it does not take lap 2 and 3
        step(() -> counters.eventsIn().get() == 15);

        session.stalled = false;
        session.requestFlush(); // a signal, as its socket turning writable gives
        step(() -> session.fromRing.contains(3L)); // the IO thread told the fan-out: no housekeeping pass needed
        assertEquals(List.of(1L), session.fromLog);
        assertEquals(List.of(3L), session.fromRing, "the latest value it missed when it skipped, once");
        assertEquals(1, counters.sharedLogSkips().get());

        publish(1);
        step(() -> session.fromLog.contains(16L) || session.fromRing.contains(16L));
        assertEquals(List.of(3L, 16L), concat(session.fromRing, session.fromLog, 3L), "then live, nothing twice");
    }

    @Test
    void conflatingReadersStalledAtRandomGetEveryTopicsFinalValueInOrderAndNothingTwice()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            close();
            start();
            nextSequence = 1;
            readerStalledAtRandom(new Random(seed), "seed " + seed, "px.*=conflate", false);
        }
        assertTrue(counters.sharedLogSkips().get() > 0 && counters.conflated().get() > 0,
            "the stalls lapped readers in the shared log and made them lag");
    }

    /**
     * As above with two throttled topics (released to the reader in the shared log) beside a conflating one, the
     * clock moving 0-6 ms a step against 10 and 20 ms intervals: each topic ends on its final value, in order, none
     * twice, through releases read behind the cursor, releases lapped before they were read, cursors lapped, and
     * connections that left the log to lag.
     */
    @Test
    void throttledReadersStalledAtRandomEndOnEveryTopicsFinalValueInOrderAndNothingTwice()
    {
        long throttled = 0;
        long skips = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            close();
            start();
            nextSequence = 1;
            readerStalledAtRandom(new Random(seed), "seed " + seed, "px.a=throttle:100,px.b=throttle:50,px.c=conflate",
                true);
            throttled += counters.throttled().get();
            skips += counters.sharedLogSkips().get();
        }
        assertTrue(throttled > 0 && skips > 0, "the throttle held values back and stalls lapped readers: throttled " +
            throttled + ", skips " + skips);
    }

    private void readerStalledAtRandom(
        final Random random, final String run, final String rules, final boolean clockMoves)
    {
        final ArrayDeque<Runnable> ioTasks = new ArrayDeque<>();
        final IoThreadFlusher queuedIoThread = new IoThreadFlusher(new SessionExecutor()
        {
            public void execute(final Runnable task)
            {
                ioTasks.add(task);
            }

            public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
            {
                throw new UnsupportedOperationException("no batching window in this test");
            }
        }, 1024, 1024, null, DeliveryLatencies.unregistered(), new OffsetEpochNanoClock());
        agent = newAgent(rules, 16);
        final int[] topics = { TOPIC, TOPIC + 1, TOPIC + 2 };
        for (int t = 0; t < topics.length; t++)
        {
            declare(topics[t], "px." + (char)('a' + t));
        }
        step(() -> agent.declaredTopics().size() == topics.length);
        final ConnectionOptions options = new ConnectionOptions(
            List.of("px.a", "px.b", "px.c"), 0, null, 0, ConnectionOptions.NO_RESUME, false);
        final SharedLogReadingSession session =
            new SharedLogReadingSession(queuedIoThread, 1024, counters.ringBytes(), options);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.register(session));
        SessionCommand.offerInitialSubscriptions(agent.commandQueue(), session, options);
        step(() -> session.subscriptions().size() == topics.length);

        final Map<Long, Integer> topicOf = new HashMap<>();
        final long[] finalOf = new long[topics.length];
        boolean stalled = false;
        for (int i = 0; i < 300; i++)
        {
            final int action = random.nextInt(10);
            if (action < 4)
            {
                for (int n = random.nextInt(6); n >= 0; n--)
                {
                    final int t = random.nextInt(topics.length);
                    topicOf.put(nextSequence, t);
                    finalOf[t] = nextSequence;
                    publish(topics[t], 1);
                }
            }
            else if (action < 5)
            {
                stalled = !stalled;
            }
            if (clockMoves)
            {
                nowNs += random.nextInt(7) * MS;
            }
            agent.doWork();
            driver.sharedAgentInvoker().invoke();
            aeron.conductorAgentInvoker().invoke();
            for (int n = stalled ? 0 : random.nextInt(3); n > 0 && !ioTasks.isEmpty(); n--)
            {
                ioTasks.poll().run();
            }
        }
        for (int i = 0; i < MAX_STEPS && !hasEveryFinal(session, finalOf); i++)
        {
            if (clockMoves)
            {
                nowNs += 5 * MS; // the throttles' slots open
            }
            agent.doWork();
            driver.sharedAgentInvoker().invoke();
            aeron.conductorAgentInvoker().invoke();
            while (!ioTasks.isEmpty())
            {
                ioTasks.poll().run();
            }
        }
        assertTrue(hasEveryFinal(session, finalOf),
            run + ": finals " + Arrays.toString(finalOf) + ", sent " + session.sent);
        final long[] last = new long[topics.length];
        for (final String sent : session.sent)
        {
            final long sequence = Long.parseLong(sent.substring(sent.indexOf(' ') + 1));
            final int t = topicOf.get(sequence);
            assertTrue(sequence > last[t], run + ": topic " + t + " went from " + last[t] + " to " + sequence +
                " in " + session.sent);
            last[t] = sequence;
        }
    }

    @Test
    void aLongPollTakesItsLiveEventsFromTheEdgesTextLogWithoutARingInOrderAndOnlyOfItsTopics()
    {
        final ArrayDeque<Runnable> ioTasks = new ArrayDeque<>();
        final RecordingPoll poll = waitingPoll(16, queuedIoThread(ioTasks));
        publish(TOPIC + 1, 1); // 2: another topic
        publish(TOPIC, 1); // 3
        publish(TOPIC + 1, 1); // 4
        publish(TOPIC, 1); // 5
        step(() -> !ioTasks.isEmpty());
        runAll(ioTasks);

        assertTrue(poll.answered);
        assertFalse(poll.lapped);
        assertEquals(List.of(3L, 5L), poll.sequences, "its topic's events, in order, each once");
        assertEquals(List.of(3L, 5L), poll.fromLog, "read from the edge's text log");
        assertEquals(0, poll.ringsTaken, "no ring: nothing was copied for this poll");
        assertEquals(5, poll.cursor);
    }

    @Test
    void aLongPollOnFiveTopicsTakesEachOfTheirEventsFromTheLogButNoOtherTopics()
    {
        startWithTwoTopics(1024);
        for (int t = 2; t < 6; t++)
        {
            declare(TOPIC + t, "px." + (char)('a' + t));
        }
        step(() -> agent.declaredTopics().size() == 6);
        final List<String> names = List.of("px.a", "px.b", "px.c", "px.d", "px.e");
        final ConnectionOptions options =
            new ConnectionOptions(names, 0, null, 0, ConnectionOptions.NO_RESUME, false);
        final ArrayDeque<Runnable> ioTasks = new ArrayDeque<>();
        final RecordingPoll poll = new RecordingPoll(
            1, queuedIoThread(ioTasks), 1024, 64 * 1024, counters.ringBytes(), options);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.openPoll(poll, false)); // as /poll sends it
        step(() -> 0 == agent.commandQueue().size() && poll.subscriptions().size() == names.size());
        final List<Long> expected = new ArrayList<>();
        for (final int t : new int[]{ 4, 5, 0, 3, 2, 1, 4 })
        {
            if (TOPIC + t != TOPIC + 5)
            {
                expected.add(nextSequence);
            }
            publish(TOPIC + t, 1); // px.f (5) is not its topic
        }
        step(() -> !ioTasks.isEmpty());
        runAll(ioTasks);

        assertEquals(expected, poll.fromLog, "every event of its five topics, in order, none of px.f");
        assertEquals(expected, poll.sequences);
        assertEquals(0, poll.ringsTaken);
    }

    @Test
    void aPollWhoseLiveEventsTheTextLogOverwritesBeforeItsAnswerIsWrittenGoesWithoutThemItsCursorBeforeThem()
    {
        final ArrayDeque<Runnable> ioTasks = new ArrayDeque<>();
        final RecordingPoll poll = waitingPoll(16, queuedIoThread(ioTasks));
        publish(TOPIC, 2); // 2, 3: the answer, fixed by the fan-out
        step(() -> !ioTasks.isEmpty());
        publish(TOPIC + 1, 40); // the 16-event log laps them before the IO thread writes the answer
        step(() -> counters.eventsIn().get() == 43);
        runAll(ioTasks);

        assertTrue(poll.answered);
        assertTrue(poll.lapped, "the log no longer holds its events: " + poll.sequences);
        assertEquals(List.of(), poll.sequences, "nothing read from overwritten entries goes out");
        assertEquals(1, poll.cursor, "the cursor stays before them: the next poll takes them from the journal");
    }

    @Test
    void aPollThatComesBackAfterNewEventsResumesThemFromTheTextLogWithoutARing()
    {
        startWithTwoTopics(1024);
        final RecordingPoll reader = poll(2, RecordingSession.inlineIoThread(), ConnectionOptions.NO_RESUME, false);
        publish(TOPIC, 1); // 2
        publish(TOPIC + 1, 1); // 3
        publish(TOPIC, 2); // 4, 5: while no poll of this client waits
        step(() -> counters.eventsIn().get() == 5);

        final RecordingPoll poll = poll(3, RecordingSession.inlineIoThread(), 1, true);
        step(() -> poll.answered);
        assertFalse(poll.lapped);
        assertEquals(List.of(2L, 4L, 5L), poll.sequences, "what followed after=1 on its topic, in order");
        assertEquals(List.of(2L, 4L, 5L), poll.fromLog, "rendered once for the edge (the reader), not for it");
        assertEquals(0, poll.ringsTaken);
        assertEquals(5, poll.cursor);
        assertFalse(reader.answered, "the reader, never armed, stands for an SSE connection on px.a");
    }

    @Test
    void aResumedEventWhoseTextTheLogLacksMovesTheAnswersLogEventsToTheRingFirstSoAllGoInOrder()
    {
        startWithTwoTopics(1024);
        final RecordingPoll reader = poll(2, RecordingSession.inlineIoThread(), ConnectionOptions.NO_RESUME, false);
        publish(TOPIC, 1); // 2: px.a, in the text log (the reader reads px.a)
        publish(TOPIC + 1, 1); // 3: px.b, only its place: no text-log reader of px.b yet
        publish(TOPIC, 1); // 4
        step(() -> counters.eventsIn().get() == 4);

        final ConnectionOptions options =
            new ConnectionOptions(List.of("px.a", "px.b"), 0, null, 0, 1, false);
        final RecordingPoll poll = new RecordingPoll(
            3, RecordingSession.inlineIoThread(), 1024, 64 * 1024, counters.ringBytes(), options);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.openPoll(poll, false)); // registered, resumed, armed
        step(() -> poll.answered);

        assertEquals(List.of(2L, 3L, 4L), poll.sequences, "every event after 1 on its topics, once, in order");
        assertEquals(List.of(2L, 3L), poll.fromRing, "2 moved to the ring before 3, which only the ring can take");
        assertEquals(List.of(4L), poll.fromLog);
        assertEquals(4, poll.cursor);
        assertFalse(reader.answered);
    }

    /**
     * A long-poll on px.a, armed and waiting at the head of the stream after one event of px.b (sequence 1), whose
     * answer its IO thread writes when {@code ioThread} runs its task.
     */
    private RecordingPoll waitingPoll(final int windowEvents, final IoThreadFlusher ioThread)
    {
        startWithTwoTopics(windowEvents);
        final RecordingPoll poll = poll(1, ioThread, ConnectionOptions.NO_RESUME, true);
        assertFalse(poll.answered, "nothing for it yet");
        return poll;
    }

    /**
     * Topics px.a and px.b declared, and one event of px.b (sequence 1).
     */
    private void startWithTwoTopics(final int windowEvents)
    {
        agent = newAgent("px.*=disconnect", windowEvents);
        declare(TOPIC, "px.a");
        declare(TOPIC + 1, "px.b");
        step(() -> agent.declaredTopics().size() == 2);
        publish(TOPIC + 1, 1);
        step(() -> counters.eventsIn().get() == 1);
        answerCatalog(); // the edge knows how far the engine has got: resumes may start
    }

    /**
     * As the engine: answer the edge's catalog request (every topic is declared already) with the newest sequence.
     */
    private void answerCatalog()
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final CatalogRequestDecoder request = new CatalogRequestDecoder();
        final long[] correlationId = { -1 };
        step(() ->
        {
            ingress.poll((buffer, offset, length, frameHeader) ->
            {
                header.wrap(buffer, offset);
                if (CatalogRequestDecoder.TEMPLATE_ID == header.templateId())
                {
                    correlationId[0] = request.wrapAndApplyHeader(buffer, offset, header).correlationId();
                }
            }, 10);
            return correlationId[0] >= 0;
        });
        final CatalogCompleteEncoder complete = new CatalogCompleteEncoder();
        complete.wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
            .correlationId(correlationId[0])
            .lastGlobalSequence(nextSequence - 1)
            .topicCount(agent.declaredTopics().size());
        offer(MessageHeaderEncoder.ENCODED_LENGTH + complete.encodedLength());
        step(agent::isCatalogComplete);
    }

    /**
     * A poll on px.a, from {@code after} ({@link ConnectionOptions#NO_RESUME}: the head), registered and subscribed;
     * armed to wait for an answer, or never (it then reads the text log's px.a entries as an SSE connection would,
     * and is never answered).
     */
    private RecordingPoll poll(final long id, final IoThreadFlusher ioThread, final long after, final boolean armed)
    {
        final ConnectionOptions options = new ConnectionOptions(List.of("px.a"), 0, null, 0, after, false);
        final RecordingPoll poll = new RecordingPoll(id, ioThread, 1024, 64 * 1024, counters.ringBytes(), options);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.register(poll));
        SessionCommand.offerInitialSubscriptions(agent.commandQueue(), poll, options);
        if (armed)
        {
            SessionCommand.offer(agent.commandQueue(), SessionCommand.pollWait(poll));
        }
        step(() -> 0 == agent.commandQueue().size() && (poll.answered || !poll.subscriptions().isEmpty()));
        return poll;
    }

    private static IoThreadFlusher queuedIoThread(final ArrayDeque<Runnable> ioTasks)
    {
        return new IoThreadFlusher(new SessionExecutor()
        {
            public void execute(final Runnable task)
            {
                ioTasks.add(task);
            }

            public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
            {
                throw new UnsupportedOperationException("no batching window in this test");
            }
        }, 1024, 1024, null, DeliveryLatencies.unregistered(), new OffsetEpochNanoClock());
    }

    private static void runAll(final ArrayDeque<Runnable> ioTasks)
    {
        while (!ioTasks.isEmpty())
        {
            ioTasks.poll().run();
        }
    }

    private static boolean hasEveryFinal(final SharedLogReadingSession session, final long[] finalOf)
    {
        for (final long sequence : finalOf)
        {
            if (0 != sequence && !session.fromLog.contains(sequence) && !session.fromRing.contains(sequence))
            {
                return false;
            }
        }
        return true;
    }

    private static List<Long> concat(final List<Long> ring, final List<Long> log, final long after)
    {
        final List<Long> all = new ArrayList<>(ring);
        log.stream().filter(sequence -> sequence > after).forEach(all::add);
        return all;
    }

    private SharedLogReadingSession startSharedLogReader(final int windowEvents, final int ringCapacity)
    {
        return startSharedLogReader("px.*=conflate", windowEvents, ringCapacity, "px.a");
    }

    private SharedLogReadingSession startSharedLogReader(
        final String rules, final int windowEvents, final int ringCapacity, final String... topics)
    {
        agent = newAgent(rules, windowEvents);
        for (int t = 0; t < topics.length; t++)
        {
            declare(TOPIC + t, topics[t]);
        }
        step(() -> agent.declaredTopics().size() == topics.length);
        final ConnectionOptions options =
            new ConnectionOptions(List.of(topics), 0, null, 0, ConnectionOptions.NO_RESUME, false);
        final SharedLogReadingSession session =
            new SharedLogReadingSession(inlineIoThread, ringCapacity, counters.ringBytes(), options);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.register(session));
        SessionCommand.offerInitialSubscriptions(agent.commandQueue(), session, options);
        step(() -> !session.subscriptions().isEmpty());
        return session;
    }

    private RecordingSession startWith(final String rules)
    {
        agent = newAgent(rules, 1024);
        declare();
        step(() -> agent.declaredTopics().size() == 1);
        final ConnectionOptions options =
            new ConnectionOptions(List.of("px.a"), 0, null, 0, ConnectionOptions.NO_RESUME, false);
        final RecordingSession session = new RecordingSession(
            1, inlineIoThread, 1024, 64 * 1024, counters.ringBytes(), options, false);
        SessionCommand.offer(agent.commandQueue(), SessionCommand.register(session));
        SessionCommand.offerInitialSubscriptions(agent.commandQueue(), session, options);
        step(() -> session.controls.contains("subscribed px.a"));
        return session;
    }

    private void updateSubscription(final RecordingSession session, final SubscriptionOptions options)
    {
        SessionCommand.offer(agent.commandQueue(), SessionCommand.updateSubscription(session, "px.a", 2, options));
        final int controls = session.controls.size();
        step(() -> true);
        assertEquals(0, agent.commandQueue().size(), "the update was taken");
        assertTrue(session.controls.size() >= controls, session.controls.toString());
    }

    private FanOutAgent newAgent(final String rules, final int windowEvents)
    {
        return new FanOutAgent(
            aeron.addSubscription("aeron:ipc", EVENTS_STREAM),
            new IngressProxy(aeron.addExclusivePublication("aeron:ipc", EVENTS_STREAM + 1)),
            PublishAckListener.NONE,
            counters,
            BackpressureRules.parse(rules, DeliveryPolicy.DISCONNECT),
            () -> nowNs,
            () -> nowNs,
            new FanOutAgent.Timeouts(60_000 * MS, 0, 60_000 * MS, 60_000 * MS, 0, 0),
            1024,
            null,
            null,
            1024 * 1024,
            windowEvents,
            DeliveryLatencies.unregistered().newPublishToFanOut());
    }

    private void declare()
    {
        declare(TOPIC, "px.a");
    }

    private void declare(final int topic, final String name)
    {
        final TopicDeclaredEncoder encoder = new TopicDeclaredEncoder();
        encoder.wrapAndApplyHeader(message, 0, new MessageHeaderEncoder()).topic(topic).topicName(name);
        offer(MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    private void publish(final int count)
    {
        publish(TOPIC, count);
    }

    private void publish(final int topic, final int count)
    {
        final EventEncoder encoder = new EventEncoder();
        for (int i = 0; i < count; i++)
        {
            final long sequence = nextSequence++;
            encoder.wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
                .globalSequence(sequence)
                .topic(topic)
                .topicSequence(sequence)
                .timestampNs(nowNs)
                .payloadType(PayloadType.JSON)
                .putPayload(new byte[]{'1'}, 0, 1);
            offer(MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        }
    }

    private void offer(final int length)
    {
        for (int i = 0; i < MAX_STEPS; i++)
        {
            if (engine.offer(message, 0, length) > 0)
            {
                return;
            }
            driver.sharedAgentInvoker().invoke();
            aeron.conductorAgentInvoker().invoke();
        }
        fail("the event stream did not take a message");
    }

    /**
     * Duty cycles of the agent, the media driver and the Aeron client until the condition holds (at least one).
     */
    private void step(final BooleanSupplier until)
    {
        for (int i = 0; i < MAX_STEPS; i++)
        {
            agent.doWork();
            driver.sharedAgentInvoker().invoke();
            aeron.conductorAgentInvoker().invoke();
            if (until.getAsBoolean())
            {
                return;
            }
        }
        fail("not reached in " + MAX_STEPS + " duty cycles");
    }

    private static FanOutCounters newCounters()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024]));
        return FanOutCounters.allocate(typeId -> manager.newCounter("test", typeId));
    }
}
