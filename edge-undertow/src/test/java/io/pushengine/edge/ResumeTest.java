package io.pushengine.edge;

import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.PushEngine;
import io.pushengine.engine.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resume: a client that comes back with the last global sequence it saw gets exactly what it missed on its topics,
 * in order, no duplicates, then live with no gap at the seam, and a {@code Resumed} notice saying whether it was
 * complete. Served from the edge's recent window, or, when that no longer reaches back, from the engine's journal
 * over Aeron (the edge never reads the engine's disk).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResumeTest
{
    private static final Pattern TOPIC_SEQUENCE = Pattern.compile("\"topicSequence\":(\\d+)");

    @TempDir
    File journalDir;

    @ParameterizedTest(name = "recent window of {0} events")
    // 512 events is about 85 ms of this publisher (~6,000 events/s over three topics): far less than the client
    // misses while away (300 ms and more), so the resume needs the journal, yet room for a live reader on a busy
    // box. A 16-event window (3 ms) also closed the live readers as fallen out of it whenever an IO thread was
    // late by that much (seen in CI: the resumed client closed 1013 after 540-1,212 events)
    @ValueSource(ints = { 65536, 512 })
    void webSocketClientThatDropsMidStreamResumesWithExactlyWhatItMissed(final int windowEvents) throws Exception
    {
        final int perTopic = 1_000;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(1024 * 1024)
            .recentWindowEvents(windowEvents)
            .recentWindowBytes(windowEvents >= 1024 ? 8 * 1024 * 1024 : 64 * 1024)))
        {
            final Topic[] topics = { push.engine.topic("r.A"), push.engine.topic("r.B"), push.engine.topic("r.C") };
            final Thread publisher = new Thread(() ->
            {
                for (int i = 0; i < perTopic; i++)
                {
                    for (final Topic topic : topics)
                    {
                        push.engine.publish(topic.name(), PayloadType.TEXT, ("" + i).getBytes(StandardCharsets.UTF_8));
                    }
                    if (i % 2 == 0)
                    {
                        sleepMs(1); // about 2,000 events/s: under load, not flat out
                    }
                }
            }, "resume-publisher");

            final WebSocketTestClient first = new WebSocketTestClient(push.ws("/ws?topics=r.A,r.B"));
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 2);
            publisher.start();
            await(() -> first.events.size() >= 300);
            first.close(); // abrupt, mid-stream
            // a frame the JDK client was already decoding can still land after abort(): read the last sequence
            // once nothing more has arrived for a while, or the resume would rightly repeat what came late
            int settled;
            do
            {
                settled = first.events.size();
                sleepMs(100);
            }
            while (first.events.size() != settled);
            final long lastSeen = first.events.get(first.events.size() - 1).globalSequence();

            sleepMs(200); // events keep coming while it is away
            if (windowEvents < 1024)
            {
                // and more than a small window holds, whatever the box's speed (a loaded box slowed the publisher
                // enough that 200 ms stayed within 512 events), so the resume has to ask the journal
                final long missed = lastSeen + windowEvents + 64;
                await(() -> push.edge.counters().fanOut().eventsIn().get() >= missed || !publisher.isAlive());
            }
            try (WebSocketTestClient second = new WebSocketTestClient(
                push.ws("/ws?topics=r.A,r.B&from=" + lastSeen)))
            {
                publisher.join();
                await(() -> topicSequenceCount(second.events, "r.A") + topicSequenceCount(first.events, "r.A") >=
                    perTopic && topicSequenceCount(second.events, "r.B") + topicSequenceCount(first.events, "r.B") >=
                    perTopic, () -> "second client has " + second.events.size() + " events, resumed " +
                    second.resumed.isDone() + ", closed " + second.closeCode.getNow(-1) + " " + second.closeReason);

                final long[] resumed = second.resumed.get(10, TimeUnit.SECONDS);
                assertEquals(lastSeen, resumed[0], "resumed after the sequence asked for");
                assertEquals(1, resumed[2], "complete");

                long previous = lastSeen;
                for (final WebSocketTestClient.Event event : second.events)
                {
                    assertTrue(event.globalSequence() > previous, "in order, nothing twice: " + event);
                    previous = event.globalSequence();
                }
                final List<WebSocketTestClient.Event> all = new ArrayList<>(first.events);
                all.addAll(second.events);
                for (final String name : new String[]{ "r.A", "r.B" })
                {
                    final List<Long> sequences = all.stream()
                        .filter(e -> e.topic().equals(name)).map(WebSocketTestClient.Event::topicSequence).toList();
                    assertEquals(perTopic, sequences.size(), name + ": every event exactly once");
                    for (int i = 0; i < perTopic; i++)
                    {
                        assertEquals(i + 1, sequences.get(i), name + " contiguous across the reconnect");
                    }
                }
                assertTrue(second.events.stream().noneMatch(e -> e.topic().equals("r.C")), "only its topics");
                if (windowEvents < 1024)
                {
                    assertTrue(push.edge.counters().fanOut().replayRequests().get() > 0,
                        "a 512-event window cannot reach back 300 ms: the journal was asked");
                }
                assertEquals(1, push.edge.counters().fanOut().resumes().get());
            }
        }
    }

    @Test
    void sseResumesFromTheLastEventIdHeaderOrQueryParameter() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("s.A");
            push.engine.topic("s.other");
            for (int i = 1; i <= 300; i++)
            {
                push.engine.publish("s.A", PayloadType.TEXT, ("" + i).getBytes(StandardCharsets.UTF_8));
                push.engine.publish("s.other", PayloadType.TEXT, "noise".getBytes(StandardCharsets.UTF_8));
            }
            // global sequences: s.A's n-th event is 2n - 1
            try (SseTestClient byHeader = new SseTestClient(push.http("/sse?topics=s.A"), "299");
                SseTestClient byQuery = new SseTestClient(push.http("/sse?topics=s.A&lastEventId=499")))
            {
                await(() -> resumedNotice(byHeader) != null && resumedNotice(byQuery) != null);
                push.engine.publish("s.A", PayloadType.TEXT, "live".getBytes(StandardCharsets.UTF_8));
                await(() -> dataEvents(byHeader).size() == 151 && dataEvents(byQuery).size() == 51,
                    () -> "header client " + dataEvents(byHeader).size() + ", query client " +
                    dataEvents(byQuery).size());

                assertTopicSequences(dataEvents(byHeader), 150);
                assertTopicSequences(dataEvents(byQuery), 250);
                assertTrue(resumedNotice(byHeader).data().contains("\"complete\":true"), resumedNotice(byHeader).data());
                assertTrue(resumedNotice(byHeader).data().startsWith("{\"fromSequence\":299,\"toSequence\":600,"),
                    resumedNotice(byHeader).data());
                assertEquals(601, dataEvents(byHeader).get(150).id(), "then live");
            }
        }
    }

    @Test
    void resumeFromBeyondTheJournalsRetentionIsAnExplicitReset() throws Exception
    {
        // one-second journal cycles kept for 1.5 s after they end; a 16-event window at the edge, so old resumes
        // must go to the journal
        try (EmbeddedPush push = new EmbeddedPush(new PushEngine.Context()
            .journalDir(journalDir)
            .journalRollCycle("TEST_SECONDLY")
            .journalRetentionMs(1500), null, null, new EdgeServer.Context()
            .recentWindowEvents(16)
            .recentWindowBytes(4096)))
        {
            // all 40 in one one-second cycle: had the burst straddled a second, the first cycle could hold event 1
            // alone, its deletion would lose nothing a resume from 1 needs, and the resume would rightly be complete
            while (System.currentTimeMillis() % 1000 > 200)
            {
                sleepMs(5);
            }
            for (int i = 1; i <= 40; i++)
            {
                push.engine.publish("old.A", PayloadType.TEXT, ("" + i).getBytes(StandardCharsets.UTF_8));
            }
            // keep writing into later cycles until retention has deleted the first
            await(() ->
            {
                push.engine.publish("old.A", PayloadType.TEXT, "later".getBytes(StandardCharsets.UTF_8));
                sleepMs(100);
                return push.engineCounter(CounterType.ENGINE_JOURNAL_CYCLES_DELETED) > 0;
            });
            final long last = push.engine.lastGlobalSequence();

            try (WebSocketTestClient tooOld = new WebSocketTestClient(push.ws("/ws?topics=old.A&from=1"));
                SseTestClient tooOldSse = new SseTestClient(push.http("/sse?topics=old.A"), "1");
                WebSocketTestClient recent = new WebSocketTestClient(push.ws("/ws?topics=old.A&from=" + (last - 3))))
            {
                final long[] reset = tooOld.resumed.get(10, TimeUnit.SECONDS);
                assertEquals(1, reset[0]);
                assertEquals(0, reset[2], "not complete: the client must take a snapshot");
                assertTrue(reset[3] > 1, "says what the oldest retained sequence is: " + reset[3]);
                assertTrue(tooOld.events.isEmpty(), "nothing from before the reset: no silent gap");
                await(() -> resumedNotice(tooOldSse) != null);
                assertTrue(resumedNotice(tooOldSse).data().contains("\"complete\":false"),
                    resumedNotice(tooOldSse).data());

                final long[] complete = recent.resumed.get(10, TimeUnit.SECONDS);
                assertEquals(1, complete[2], "a resume within retention is complete");
                // the last of them may reach the edge after the resume caught up: then they come live
                await(() -> recent.events.size() >= 3);
                assertEquals(3, recent.events.size());

                push.engine.publish("old.A", PayloadType.TEXT, "live".getBytes(StandardCharsets.UTF_8));
                await(() -> tooOld.events.size() == 1 && recent.events.size() == 4);
                assertEquals("live", tooOld.events.get(0).payload());
                assertTrue(push.edge.counters().fanOut().resumeResets().get() >= 2);
            }
        }
    }

    @Test
    void resumeFromASequenceTheEngineNeverIssuedIsAResetNotASilentGap() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            for (int i = 0; i < 10; i++)
            {
                push.engine.publish("t.A", PayloadType.TEXT, "x".getBytes(StandardCharsets.UTF_8));
            }
            try (WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=t.A&from=1000000")))
            {
                final long[] resumed = client.resumed.get(10, TimeUnit.SECONDS);
                assertEquals(1_000_000, resumed[0]);
                assertEquals(0, resumed[2], "not complete: the client must resync");
                assertEquals(10, resumed[1], "live from the engine's current sequence");
                push.engine.publish("t.A", PayloadType.TEXT, "live".getBytes(StandardCharsets.UTF_8));
                await(() -> client.events.size() == 1);
                assertEquals(11, client.events.get(0).globalSequence());
                assertEquals(1, push.edge.counters().fanOut().resumeResets().get());
            }
        }
    }

    private static void assertTopicSequences(final List<SseTestClient.Event> events, final int after)
    {
        for (int i = 0; i < events.size(); i++)
        {
            final Matcher matcher = TOPIC_SEQUENCE.matcher(events.get(i).data());
            assertTrue(matcher.find(), events.get(i).data());
            assertEquals(after + i + 1, Long.parseLong(matcher.group(1)), "contiguous from the resume point");
        }
    }

    private static List<SseTestClient.Event> dataEvents(final SseTestClient client)
    {
        return client.events.stream().filter(e -> !e.event().startsWith("$")).toList();
    }

    private static SseTestClient.Event resumedNotice(final SseTestClient client)
    {
        return client.events.stream().filter(e -> "$resumed".equals(e.event())).findFirst().orElse(null);
    }

    private static long topicSequenceCount(final List<WebSocketTestClient.Event> events, final String topic)
    {
        return events.stream().filter(e -> e.topic().equals(topic)).count();
    }

    private static void sleepMs(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
