package io.pushengine.edge;

import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.GapDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.SubscribedDecoder;
import io.pushengine.engine.Topic;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stalled client on topics the server's rules put under DROP (it asks for no policy itself): it is not
 * disconnected; events it falls too far behind on are dropped, and before the next event of a topic it gets a Gap
 * notice naming exactly what it missed. Reading it all back, every topic sequence from 1 to the last is accounted
 * for exactly once, either as an event or inside a gap, in order. Both ways a WebSocket connection is fed: reading
 * the edge's shared log (the log's writer laps its cursor: its IO thread finds the gaps) and by copy into its own
 * ring (the fan-out finds them: a subscription under THROTTLE keeps the connection out of the log).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DropPolicyTest
{
    @TempDir
    File journalDir;

    @Test
    void droppedEventsAreReportedExactlyInGapNoticesReadingTheSharedLog() throws Exception
    {
        final EdgeServer.Context context = context().recentWindowBytes(256 * 1024); // lapped within the run
        final long laps = stalledClientGetsEveryEventOrAGapForIt(context, null, null);
        assertTrue(laps > 0, "its cursor in the shared log was lapped: " + laps);
    }

    @Test
    void sseDroppedEventsAreReportedExactlyInGapNoticesReadingTheTextLog() throws Exception
    {
        final String[] names = { "drop.A", "drop.B" };
        final int perTopic = 10_000;
        final int payloadLength = 200;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, context().recentWindowBytes(256 * 1024));
            Socket stalled = new Socket())
        {
            stalled.setReceiveBufferSize(4096); // before connecting, or the kernel's window is already set
            stalled.connect(new InetSocketAddress("127.0.0.1", push.edge.port()));
            stalled.getOutputStream().write(("GET /sse?topics=" + String.join(",", names) + " HTTP/1.1\r\n" +
                "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            final Topic[] topics = new Topic[names.length];
            for (int t = 0; t < names.length; t++)
            {
                topics[t] = push.engine.topic(names[t]);
            }
            await(() -> push.edge.counters().fanOut().subscriptions().get() == names.length);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            for (int i = 0; i < perTopic; i++)
            {
                for (final Topic topic : topics)
                {
                    payload.putInt(0, i);
                    while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payloadLength) < 0)
                    {
                        Thread.yield();
                    }
                }
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() == (long)perTopic * names.length);

            stalled.setSoTimeout(20_000);
            final BufferedReader in = new BufferedReader(
                new InputStreamReader(stalled.getInputStream(), StandardCharsets.UTF_8));
            final Pattern event = Pattern.compile("\"topic\":\"([^\"]+)\",\"topicSequence\":(\\d+)");
            final Pattern gap = Pattern.compile("\"topic\":\"([^\"]+)\",\"fromSequence\":(\\d+)," +
                "\"toSequence\":(\\d+),\"fromTopicSequence\":(\\d+),\"toTopicSequence\":(\\d+)");
            final Map<String, Long> nextExpected = new HashMap<>();
            for (final String name : names)
            {
                nextExpected.put(name, 1L);
            }
            final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
            long eventsReceived = 0;
            long missedInGaps = 0;
            int gaps = 0;
            while (!allComplete(nextExpected, List.of(names), perTopic))
            {
                final String line = in.readLine();
                assertNotNull(line, "the stream ended: " + nextExpected);
                assertTrue(!line.startsWith("event: $close"), "closed: " + line);
                final Matcher gapMatcher = gap.matcher(line);
                final Matcher eventMatcher = event.matcher(line);
                if (line.startsWith("data: ") && gapMatcher.find())
                {
                    final String name = gapMatcher.group(1);
                    final long from = Long.parseLong(gapMatcher.group(4));
                    final long to = Long.parseLong(gapMatcher.group(5));
                    remember(recent, "gap " + name + " " + from + ".." + to);
                    assertEquals(nextExpected.get(name), from, () -> name + " gap does not start where delivery " +
                        "stopped, after " + recent);
                    assertTrue(to >= from, line);
                    nextExpected.put(name, to + 1);
                    missedInGaps += to - from + 1;
                    gaps++;
                }
                else if (line.startsWith("data: ") && eventMatcher.find())
                {
                    final String name = eventMatcher.group(1);
                    final long topicSequence = Long.parseLong(eventMatcher.group(2));
                    remember(recent, name + " " + topicSequence);
                    assertEquals(nextExpected.get(name), topicSequence, () -> name + " out of order after " + recent);
                    nextExpected.put(name, topicSequence + 1);
                    eventsReceived++;
                }
            }

            assertTrue(gaps > 0, "at least one gap notice");
            assertTrue(missedInGaps > 0, "the stalled stream had events dropped");
            assertEquals((long)perTopic * names.length, eventsReceived + missedInGaps,
                "every event was either received or reported missing");
            assertEquals(push.edge.counters().fanOut().dropped().get(), missedInGaps);
            assertEquals(push.edge.counters().fanOut().gapNotices().get(), gaps);
            assertTrue(push.edge.counters().fanOut().sharedLogSkips().get() > 0, "lapped in the text log");
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get());
        }
    }

    /**
     * Drop and conflate on one connection that starts in the shared log: it leaves the log when the conflating topic
     * lags by more than its ring (then its drops are found in its ring), or its cursor is lapped there (then in the
     * log), whichever comes first on this run; either way the dropping topics' accounting is exact and the
     * conflating topic's values only rise, ending on the last.
     */
    @Test
    void dropAndConflateOnOneConnectionGapsExactAndLatestValues() throws Exception
    {
        stalledClientGetsEveryEventOrAGapForIt(context().recentWindowBytes(256 * 1024), null, "px.C");
    }

    @Test
    void droppedEventsAreReportedExactlyInGapNoticesFromItsOwnRing() throws Exception
    {
        final long laps = stalledClientGetsEveryEventOrAGapForIt(context(), "thr.quiet", null);
        assertEquals(0, laps, "it never read the shared log");
    }

    private static EdgeServer.Context context()
    {
        return new EdgeServer.Context()
            .ringCapacity(16 * 1024)
            .maxPayloadLength(1024)
            .backpressurePolicy("disconnect")
            .backpressureRules("px.*=conflate,drop.*=drop,thr.*=throttle:1");
    }

    /**
     * @param quietTopic      a topic without events also subscribed to (null for none).
     * @param conflatingTopic a topic under CONFLATE published as often as the others (null for none): the client
     *                        gets its values in rising order, ending on the last.
     * @return the shared-log laps the edge counted.
     */
    private long stalledClientGetsEveryEventOrAGapForIt(
        final EdgeServer.Context context, final String quietTopic, final String conflatingTopic) throws Exception
    {
        final String[] names = { "drop.A", "drop.B" };
        final List<String> published = new ArrayList<>(List.of(names));
        final List<String> subscribedTopics = new ArrayList<>(published);
        if (null != conflatingTopic)
        {
            published.add(conflatingTopic);
            subscribedTopics.add(conflatingTopic);
        }
        if (null != quietTopic)
        {
            subscribedTopics.add(quietTopic);
        }
        final int perTopic = 15_000;
        final int payloadLength = 200;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, context);
            Socket stalled = RawWebSocket.open(push.edge.port(), "topics=" + String.join(",", subscribedTopics)))
        {
            final Topic[] topics = new Topic[published.size()];
            for (int t = 0; t < topics.length; t++)
            {
                topics[t] = push.engine.topic(published.get(t));
            }
            await(() -> push.edge.counters().fanOut().subscriptions().get() == subscribedTopics.size());

            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            for (int i = 0; i < perTopic; i++)
            {
                for (final Topic topic : topics)
                {
                    payload.putInt(0, i);
                    while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payloadLength) < 0)
                    {
                        Thread.yield();
                    }
                }
            }
            await(() -> push.edge.counters().fanOut().eventsIn().get() == (long)perTopic * topics.length);

            final Map<Integer, String> topicNames = new HashMap<>();
            final Map<String, Long> nextExpected = new HashMap<>();
            final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>(); // for a failure's message
            long eventsReceived = 0;
            long missedInGaps = 0;
            int gaps = 0;
            stalled.setSoTimeout(20_000);
            final DataInputStream in = new DataInputStream(stalled.getInputStream());
            while (!allComplete(nextExpected, published, perTopic))
            {
                final RawWebSocket.Frame frame = RawWebSocket.readFrame(in);
                assertTrue(frame.opcode() != 0x8, "unexpected close frame");
                if (frame.opcode() != 0x2)
                {
                    continue;
                }
                final UnsafeBuffer buffer = new UnsafeBuffer(frame.payload());
                final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
                switch (header.templateId())
                {
                    case SubscribedDecoder.TEMPLATE_ID:
                    {
                        final SubscribedDecoder subscribed =
                            new SubscribedDecoder().wrapAndApplyHeader(buffer, 0, header);
                        final int number = subscribed.topic();
                        final String name = subscribed.topicName();
                        topicNames.put(number, name);
                        nextExpected.put(name, 1L);
                        break;
                    }
                    case BatchDecoder.TEMPLATE_ID:
                        for (final BatchDecoder.EventsDecoder event :
                            new BatchDecoder().wrapAndApplyHeader(buffer, 0, header).events())
                        {
                            final String name = topicNames.get(event.topic());
                            if (name.equals(conflatingTopic))
                            {
                                assertTrue(event.topicSequence() >= nextExpected.get(name),
                                    name + " latest values only rise: " + event.topicSequence());
                                nextExpected.put(name, event.topicSequence() + 1);
                                event.skipPayload();
                                continue;
                            }
                            remember(recent, name + " " + event.topicSequence() + " @" + event.globalSequence());
                            assertEquals(nextExpected.get(name), event.topicSequence(), () -> name +
                                " out of order after " + recent);
                            nextExpected.put(name, event.topicSequence() + 1);
                            event.skipPayload();
                            eventsReceived++;
                        }
                        break;
                    case GapDecoder.TEMPLATE_ID:
                    {
                        final GapDecoder gap = new GapDecoder().wrapAndApplyHeader(buffer, 0, header);
                        final String name = topicNames.get(gap.topic());
                        remember(recent, "gap " + name + " " + gap.fromTopicSequence() + ".." + gap.toTopicSequence() +
                            " @" + gap.fromSequence() + ".." + gap.toSequence());
                        assertTrue(!name.equals(conflatingTopic), "no gap for a conflating topic");
                        assertEquals(nextExpected.get(name), gap.fromTopicSequence(), name + " gap does not start " +
                            "where delivery stopped");
                        assertTrue(gap.toTopicSequence() >= gap.fromTopicSequence());
                        assertTrue(gap.toSequence() >= gap.fromSequence());
                        nextExpected.put(name, gap.toTopicSequence() + 1);
                        missedInGaps += gap.toTopicSequence() - gap.fromTopicSequence() + 1;
                        gaps++;
                        break;
                    }
                    default:
                        break;
                }
            }

            assertTrue(gaps > 0, "at least one gap notice");
            assertTrue(missedInGaps > 0, "the stalled client had events dropped");
            assertEquals((long)perTopic * names.length, eventsReceived + missedInGaps,
                "every event was either received or reported missing");
            assertEquals(push.edge.counters().fanOut().dropped().get(), missedInGaps);
            assertEquals(push.edge.counters().fanOut().gapNotices().get(), gaps);
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get());
            assertEquals(1, push.edge.counters().connections().get(), "still connected");
            return push.edge.counters().fanOut().sharedLogSkips().get();
        }
    }

    private static void remember(final java.util.ArrayDeque<String> recent, final String message)
    {
        recent.addLast(message);
        if (recent.size() > 12)
        {
            recent.removeFirst();
        }
    }

    private static boolean allComplete(final Map<String, Long> nextExpected, final List<String> names, final long last)
    {
        for (final String name : names)
        {
            if (nextExpected.getOrDefault(name, 0L) != last + 1)
            {
                return false;
            }
        }
        return true;
    }
}
