package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /poll}: short-poll and long-poll over real HTTP, on the same sequences as WebSocket and SSE.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PollTest
{
    @TempDir
    File journalDir;

    @Test
    void firstPollAnswersTheCurrentValuesAndACursorThenShortPollsAnswerWhatIsNew() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final PollTestClient client = new PollTestClient(push);
            publish(push, "p.A", "a1");
            final long a2 = publish(push, "p.A", "a2");
            final long b1 = publish(push, "p.B", "b1");
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 3);

            final PollTestClient.Answer first = client.poll("topics=p.A,p.B");
            assertEquals(200, first.status(), first.body().toString());
            assertEquals(List.of(a2, b1), first.sequences(), "the latest value of each topic");
            assertEquals("a2", first.events().get(0).get("payload").asText());
            assertEquals(2, first.body().get("snapshot").get("valueCount").asInt());
            assertEquals(b1, first.cursor());

            final long emptyBefore = push.edge.counters().pollsEmpty().get();
            final PollTestClient.Answer nothingNew = client.poll("topics=p.A,p.B&after=" + first.cursor());
            assertEquals(List.of(), nothingNew.sequences());
            assertEquals(b1, nothingNew.cursor());
            assertEquals(emptyBefore + 1, push.edge.counters().pollsEmpty().get());

            final long c1 = publish(push, "p.C", "c1"); // another topic: the cursor moves on past it
            final long a3 = publish(push, "p.A", "a3");
            final long a4 = publish(push, "p.A", "a4");
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 6);
            final PollTestClient.Answer next = client.poll("topics=p.A,p.B&after=" + nothingNew.cursor());
            assertEquals(List.of(a3, a4), next.sequences(), "every event since the cursor, not only the latest");
            assertEquals(a4, next.cursor());
            assertTrue(c1 < a3);

            final long c2 = publish(push, "p.C", "c2");
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 7);
            final PollTestClient.Answer quiet = client.poll("topics=p.A,p.B&after=" + next.cursor());
            assertEquals(List.of(), quiet.sequences());
            assertEquals(c2, quiet.cursor(), "a quiet topic's cursor keeps up with the stream, not behind it");
        }
    }

    @Test
    void longPollIsHeldUntilAnEventArrivesAndEndsEmptyWhenItsWaitEnds() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final PollTestClient client = new PollTestClient(push);
            final long a1 = publish(push, "l.A", "a1");
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 1);

            final CompletableFuture<PollTestClient.Answer> held =
                client.pollAsync("topics=l.A&after=" + a1 + "&wait=20000");
            await(() -> push.edge.counters().pollsHeld().get() == 1);
            await(() -> push.edge.counters().fanOut().subscriptions().get() == 1);
            assertFalse(held.isDone(), "nothing to say yet: the poll is held");

            final long a2 = publish(push, "l.A", "a2");
            final PollTestClient.Answer answer = held.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(a2), answer.sequences());
            assertEquals(a2, answer.cursor());
            await(() -> push.edge.counters().pollsHeld().get() == 0);
            await(() -> push.edge.counters().fanOut().sessions().get() == 0);

            final PollTestClient.Answer expired = client.poll("topics=l.A&after=" + a2 + "&wait=300");
            assertEquals(200, expired.status());
            assertEquals(List.of(), expired.sequences());
            assertEquals(a2, expired.cursor());
        }
    }

    @Test
    void aClientSwitchesFromWebSocketToLongPollToSseMidStreamWithNothingLostAndNothingTwice() throws Exception
    {
        final int perTopic = 300;
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.topic("s.A");
            push.engine.topic("s.B");
            final List<Long> published = new ArrayList<>();
            final Thread publisher = new Thread(() ->
            {
                for (int i = 0; i < perTopic; i++)
                {
                    synchronized (published)
                    {
                        published.add(publish(push, "s.A", "a" + i));
                        published.add(publish(push, "s.B", "b" + i));
                        publish(push, "s.other", "x" + i); // not subscribed: moves cursors, never delivered
                    }
                    sleepMs(1);
                }
            }, "switch-publisher");

            final List<Long> received = new ArrayList<>();
            final WebSocketTestClient ws = new WebSocketTestClient(push.ws("/ws?topics=s.A,s.B&from=0"));
            publisher.start();
            await(() -> ws.events.size() >= 100);
            ws.close();
            ws.events.forEach(event -> received.add(event.globalSequence()));

            final PollTestClient poll = new PollTestClient(push);
            long cursor = received.get(received.size() - 1);
            int answers = 0;
            while (received.size() < 300)
            {
                final PollTestClient.Answer answer = poll.poll("topics=s.A,s.B&wait=5000&after=" + cursor);
                assertEquals(200, answer.status(), answer.body().toString());
                received.addAll(answer.sequences());
                assertTrue(answer.cursor() >= cursor, "the cursor never goes back");
                cursor = answer.cursor();
                answers++;
            }
            assertTrue(answers > 1);

            try (SseTestClient sse = new SseTestClient(push.http("/sse?topics=s.A,s.B&lastEventId=" + cursor)))
            {
                publisher.join();
                final int total = 2 * perTopic;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (received.size() + topicEvents(sse).size() < total && System.nanoTime() < deadline)
                {
                    sleepMs(10); // then compare: a shortfall shows as the first missing sequence
                }
                topicEvents(sse).forEach(event -> received.add(event.id()));
            }
            assertSameSequences(published, received, "every event once, in order, across three transports");
        }
    }

    @Test
    void anAnswerThatOutgrowsItsFirstRingComesWholeAndInOrder() throws Exception
    {
        final int count = 30; // ~450 bytes of JSON each: past the 4 KiB first ring, within the 64 KiB full one
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final PollTestClient client = new PollTestClient(push);
            final long start = publish(push, "grow.A", "start");
            final List<Long> published = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                published.add(publish(push, "grow.A", "event " + i + " " + "x".repeat(300)));
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= count + 1);

            final PollTestClient.Answer answer = client.poll("topics=grow.A&after=" + start);
            assertEquals(200, answer.status(), answer.body().toString());
            assertEquals(published, answer.sequences(), "every event in one answer, the first ring's first");
            assertEquals(published.get(count - 1), answer.cursor());
            assertEquals("event 0 " + "x".repeat(300), answer.events().get(0).get("payload").asText());

            final CompletableFuture<PollTestClient.Answer> held =
                client.pollAsync("topics=grow.A&wait=20000&after=" + answer.cursor());
            await(() -> push.edge.counters().pollsHeld().get() == 1);
            final long next = publish(push, "grow.A", "next");
            assertEquals(List.of(next), held.get(10, TimeUnit.SECONDS).sequences(), "and the next poll goes on");
            await(() -> push.edge.counters().fanOut().ringBytes().get() == 0);
        }
    }

    /**
     * An IO thread renders every answer in one set of buffers and lends them to the response sender (no copy). An
     * answer its socket cannot take at once keeps them until written; the answers the same thread renders meanwhile
     * must go elsewhere, or they would overwrite the part still to be written. Here a client pipelines more answers
     * than its socket holds and reads nothing until another client on the same IO thread has polled many times.
     */
    @Test
    void anAnswerItsSocketCannotTakeAtOnceArrivesWholeWhileTheThreadAnswersOthers() throws Exception
    {
        final int count = 1000; // ~1.1 KB of JSON each
        final int pipelined = 60; // answers of up to ~140 KB each: more than a loopback socket's buffers hold (4 MiB)
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context().ioThreads(1)))
        {
            final long startA = publish(push, "lent.A", "start");
            final long startB = publish(push, "lent.B", "start");
            final List<Long> publishedA = new ArrayList<>();
            final List<Long> publishedB = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                publishedA.add(publish(push, "lent.A", payloadA(i)));
                publishedB.add(publish(push, "lent.B", "other " + i + " " + "z".repeat(1100 + i % 7)));
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 2 * count + 2);

            final long framesBefore = push.edge.counters().framesOut().get();
            try (Socket slow = new Socket())
            {
                slow.setReceiveBufferSize(2048);
                slow.connect(new InetSocketAddress("127.0.0.1", push.edge.port()));
                final byte[] request = ("GET /poll?topics=lent.A&after=" + startA + " HTTP/1.1\r\n" +
                    "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < pipelined; i++)
                {
                    slow.getOutputStream().write(request);
                }
                await(() -> push.edge.counters().framesOut().get() > framesBefore + 10);
                sleepMs(300); // its socket full: one answer half written, the rest of the pipeline unread

                final PollTestClient client = new PollTestClient(push); // on the same (only) IO thread
                final List<Long> receivedB = new ArrayList<>();
                long cursor = startB;
                for (int answers = 0; receivedB.size() < count && answers < count; answers++)
                {
                    final PollTestClient.Answer answer = client.poll("topics=lent.B&after=" + cursor);
                    receivedB.addAll(answer.sequences());
                    cursor = answer.cursor();
                }
                assertSameSequences(publishedB, receivedB, "another client's answers, rendered meanwhile");

                final InputStream in = slow.getInputStream();
                for (int r = 0; r < pipelined; r++)
                {
                    final PollTestClient.Answer answer = readAnswer(in);
                    assertEquals(200, answer.status(), "answer " + r);
                    final List<Long> sequences = answer.sequences();
                    assertFalse(sequences.isEmpty(), "answer " + r);
                    assertSameSequences(publishedA.subList(0, sequences.size()), sequences, "answer " + r);
                    for (int i = 0; i < sequences.size(); i++)
                    {
                        assertEquals(payloadA(i), answer.events().get(i).get("payload").asText(),
                            "answer " + r + ", event " + i);
                    }
                }
            }
        }
    }

    private static String payloadA(final int i)
    {
        return i + " " + String.valueOf((char)('a' + i % 26)).repeat(1000);
    }

    private static PollTestClient.Answer readAnswer(final InputStream in) throws Exception
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n"))
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IllegalStateException("closed in the response's head: " + head);
            }
            head.write(b);
        }
        final String headers = head.toString(StandardCharsets.US_ASCII);
        final int status = Integer.parseInt(headers.substring(9, 12));
        int length = -1;
        for (final String line : headers.split("\r\n"))
        {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
            {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertTrue(length > 0, "an answer with a length: " + headers);
        final byte[] body = in.readNBytes(length);
        return new PollTestClient.Answer(status, new ObjectMapper().readTree(body));
    }

    @Test
    void aBacklogLargerThanOneAnswerComesInSeveralWithoutLossOrRepeat() throws Exception
    {
        final int count = 400;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(8 * 1024)
            .maxPayloadLength(512)))
        {
            final List<Long> published = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                published.add(publish(push, "big.A", "backlog " + i + " ".repeat(100)));
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= count);

            final PollTestClient client = new PollTestClient(push);
            final List<Long> received = new ArrayList<>();
            long cursor = 0;
            int answers = 0;
            while (received.size() < count && answers < 10 * count)
            {
                final PollTestClient.Answer answer = client.poll("topics=big.A&after=" + cursor);
                received.addAll(answer.sequences());
                cursor = answer.cursor();
                answers++;
            }
            assertSameSequences(published, received, "backlog");
            assertTrue(answers > 2, "an 8 KiB ring cannot carry the backlog in one answer: " + answers);

            // live: a burst arriving while a long poll is held
            final List<Long> burst = new ArrayList<>();
            final CompletableFuture<PollTestClient.Answer> held =
                client.pollAsync("topics=big.A&wait=20000&after=" + cursor);
            await(() -> push.edge.counters().pollsHeld().get() == 1);
            final Thread publisher = new Thread(() ->
            {
                for (int i = 0; i < count; i++)
                {
                    synchronized (burst)
                    {
                        burst.add(publish(push, "big.A", "burst " + i + " ".repeat(100)));
                    }
                }
            });
            publisher.start();
            final List<Long> live = new ArrayList<>(held.get(10, TimeUnit.SECONDS).sequences());
            cursor = live.get(live.size() - 1);
            while (live.size() < count)
            {
                final PollTestClient.Answer answer = client.poll("topics=big.A&wait=5000&after=" + cursor);
                live.addAll(answer.sequences());
                cursor = answer.cursor();
            }
            publisher.join();
            assertSameSequences(burst, live, "live burst");
        }
    }

    @Test
    void longPollersThroughABurstFarLargerThanTheEdgesRecentWindowGetEveryEventOnceInOrder() throws Exception
    {
        final int count = 1500;
        final int pollers = 4;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .recentWindowEvents(64))) // and its text log: what they miss there comes from the journal
        {
            final long start = publish(push, "lap.A", "start");
            publish(push, "lap.B", "start");
            await(() -> push.edge.counters().fanOut().eventsIn().get() >= 2);
            final List<Long> published = new ArrayList<>();
            final List<List<Long>> received = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            final PollTestClient client = new PollTestClient(push);
            for (int p = 0; p < pollers; p++)
            {
                final List<Long> mine = new ArrayList<>();
                received.add(mine);
                threads.add(new Thread(() ->
                {
                    long cursor = start;
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    try
                    {
                        while (mine.size() < count && System.nanoTime() < deadline)
                        {
                            final PollTestClient.Answer answer = client.poll("topics=lap.A&wait=2000&after=" + cursor);
                            if (200 != answer.status())
                            {
                                throw new IllegalStateException(answer.body().toString());
                            }
                            mine.addAll(answer.sequences());
                            cursor = answer.cursor();
                        }
                    }
                    catch (final Exception ex)
                    {
                        mine.add(-1L); // shows as a mismatch below
                    }
                }, "poller-" + p));
            }
            threads.forEach(Thread::start);
            for (int i = 0; i < count; i++)
            {
                published.add(publish(push, "lap.A", "a" + i));
                publish(push, "lap.B", "b" + i); // not subscribed: moves the window and the log on
            }
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(90));
            }
            final String lapped = " (answers lapped in the text log: " + push.edge.counters().pollsLapped().get() +
                ", resumes from the journal: " + push.edge.counters().fanOut().replayRequests().get() + ")";
            for (int p = 0; p < pollers; p++)
            {
                assertSameSequences(published, received.get(p), "poller " + p + lapped);
            }
        }
    }

    @Test
    void badPollsAreRefusedWithAReasonAndDisabledTransportsSaySo() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .transports("sse,short-poll")
            .pollMaxWaitMs(10_000)))
        {
            final PollTestClient client = new PollTestClient(push);
            assertRefused(client.poll("after=1"), 400, "topics");
            assertRefused(client.poll("topics=a&after=-1"), 400, "after");
            assertRefused(client.poll("topics=a&after=x"), 400, "after");
            assertRefused(client.poll("topics=a&wait=10001"), 400, "wait");
            assertRefused(client.poll("topics=a&snapshot=maybe"), 400, "snapshot");
            assertRefused(client.poll("topics=a&after=1&after=2"), 400, "once");
            assertRefused(client.poll("topics=bad%20name"), 400, "topic");
            assertRefused(client.pollAsync(push.http("/poll?topics=a"), "POST").get(), 405, "GET");
            assertRefused(client.poll("topics=a&wait=1000"), 403, "long-poll is not served");
            assertRefused(client.pollAsync(push.http("/ws?topics=a"), "GET").get(), 403, "websocket is not served");
            assertEquals(200, client.poll("topics=a").status(), "short-poll is served");
            assertTrue(push.edge.counters().httpRejected().get() >= 10);
            assertEquals(0, push.edge.counters().pollsHeld().get());
        }
    }

    static void assertSameSequences(final List<Long> expected, final List<Long> actual, final String what)
    {
        if (!expected.equals(actual))
        {
            int i = 0;
            while (i < Math.min(expected.size(), actual.size()) && expected.get(i).equals(actual.get(i)))
            {
                i++;
            }
            final int from = Math.max(0, i - 3);
            throw new AssertionError(what + ": expected " + expected.size() + " sequences, got " + actual.size() +
                "; first difference at index " + i + ": expected " +
                expected.subList(from, Math.min(expected.size(), i + 4)) + " got " +
                actual.subList(from, Math.min(actual.size(), i + 4)));
        }
    }

    private static List<SseTestClient.Event> topicEvents(final SseTestClient sse)
    {
        return sse.events.stream().filter(event -> !event.event().startsWith("$")).toList();
    }

    private static void assertRefused(final PollTestClient.Answer answer, final int status, final String reason)
    {
        assertEquals(status, answer.status(), answer.body().toString());
        final JsonNode error = answer.body().get("error");
        assertTrue(null != error && error.asText().contains(reason), answer.body().toString());
    }

    static long publish(final EmbeddedPush push, final String topic, final String text)
    {
        final long sequence = push.engine.publish(topic, PayloadType.TEXT, text.getBytes(StandardCharsets.UTF_8));
        if (sequence <= 0)
        {
            throw new IllegalStateException("publish failed: " + sequence);
        }
        return sequence;
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
