package io.pushengine.edge;

import io.pushengine.codec.sbe.BatchDecoder;
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
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.io.File;
import java.net.Socket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A CONFLATE client that stops reading is not disconnected: while it is behind, only the latest event of each
 * topic is kept, and when it reads again it gets the current value of every topic, never the stale backlog; also
 * when it reads the edge's shared log (WebSocket, SSE) and the log's writer laps its cursor. A client reading beside
 * it is not held back or cut.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConflationTest
{
    private final List<Throwable> errors = new CopyOnWriteArrayList<>(); // the fan-out's: none expected

    @TempDir
    File journalDir;

    @Test
    void stalledConflatingClientCatchesUpWithTheLatestValues() throws Exception
    {
        stalledClientCatchesUp(new EdgeServer.Context().ringCapacity(16 * 1024).maxPayloadLength(1024), false);
    }

    /**
     * The same client reading the edge's shared log with a window far smaller than what is published while it
     * does not read: its cursor is lapped, it skips ahead (counted), and still gets each topic's latest value, in
     * order, nothing twice, without being cut.
     */
    @Test
    void conflatingClientLappedInTheSharedLogSkipsAheadAndStillGetsEveryTopicsLatestValue() throws Exception
    {
        stalledClientCatchesUp(new EdgeServer.Context().ringCapacity(16 * 1024).maxPayloadLength(1024)
            .recentWindowBytes(256 * 1024), true);
    }

    @Test
    void sseConflatingClientLappedInTheTextLogSkipsAheadAndStillGetsEveryTopicsLatestValue() throws Exception
    {
        final String[] names = { "px.A", "px.B", "px.C" };
        final int perTopic = 5_000;
        final int payloadLength = 600;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, new EdgeServer.Context()
            .ringCapacity(16 * 1024).maxPayloadLength(1024).recentWindowBytes(256 * 1024).errorHandler(errors::add));
            Socket stalled = new Socket())
        {
            stalled.setReceiveBufferSize(4096); // before connecting, or the kernel's window is already set
            stalled.connect(new InetSocketAddress("127.0.0.1", push.edge.port()));
            stalled.getOutputStream().write(("GET /sse?topics=" + String.join(",", names) + "&policy=conflate " +
                "HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            await(() -> push.edge.counters().fanOut().subscriptions().get() == names.length);
            publishAll(push, names, perTopic, payloadLength);
            await(() -> push.edge.counters().fanOut().sharedLogSkips().get() > 0 ||
                push.edge.counters().fanOut().conflated().get() > 0);

            stalled.setSoTimeout(20_000);
            final BufferedReader in = new BufferedReader(
                new InputStreamReader(stalled.getInputStream(), StandardCharsets.UTF_8));
            final Map<String, Long> lastSequence = new HashMap<>();
            final Pattern event = Pattern.compile("\"topic\":\"([^\"]+)\",\"topicSequence\":(\\d+)");
            final Set<Long> ids = new HashSet<>();
            int received = 0;
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(Await.TIMEOUT_S);
            while (!allFinal(lastSequence, names, perTopic))
            {
                failIfPast(deadlineNs, push, lastSequence, errors); // heartbeats keep the read from timing out
                final String line = in.readLine();
                assertNotNull(line, "the stream ended: " + lastSequence);
                assertTrue(!line.startsWith("event: $close"), "closed: " + line);
                if (line.startsWith("id: "))
                {
                    // latest values go out as room allows, so ids of different topics need not rise in order
                    assertTrue(ids.add(Long.parseLong(line.substring(4))), "sent twice: " + line);
                }
                final Matcher matcher = event.matcher(line);
                if (line.startsWith("data: ") && matcher.find())
                {
                    final String name = matcher.group(1);
                    final long topicSequence = Long.parseLong(matcher.group(2));
                    final Long previous = lastSequence.put(name, topicSequence);
                    assertTrue(null == previous || topicSequence > previous,
                        name + " went from " + previous + " to " + topicSequence);
                    received++;
                }
            }
            assertTrue(received < perTopic * names.length, "fewer events than published: " + received);
            await(() -> push.edge.counters().fanOut().sharedLogSkips().get() > 0,
                () -> "the stalled stream's cursor was not lapped in the text log");
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get());
            assertEquals(List.of(), errors, "the fan-out's errors");
        }
    }

    private void stalledClientCatchesUp(final EdgeServer.Context context, final boolean lapped) throws Exception
    {
        final String[] names = { "px.A", "px.B", "px.C" };
        final int perTopic = lapped ? 5_000 : 10_000;
        final int payloadLength = lapped ? 600 : 200;
        try (EmbeddedPush push = new EmbeddedPush(journalDir, null, null, context.errorHandler(errors::add));
            Socket stalled = RawWebSocket.open(
                push.edge.port(), "topics=" + String.join(",", names) + "&policy=conflate");
            WebSocketTestClient reading = new WebSocketTestClient(
                push.ws("/ws?topics=" + String.join(",", names) + "&policy=conflate")))
        {
            final Topic[] topics = new Topic[names.length];
            for (int t = 0; t < names.length; t++)
            {
                topics[t] = push.engine.topic(names[t]);
            }
            await(() -> push.edge.counters().connections().get() == 2);
            publishAll(push, topics, perTopic, payloadLength);
            assertTrue(push.edge.counters().fanOut().conflated().get() > 0, "the stalled client was conflated");

            // now read everything the edge sends until every topic's final value has arrived
            final Map<Integer, String> topicNames = new HashMap<>();
            final Map<String, Long> lastSequence = new HashMap<>();
            int received = 0;
            long lastGlobalSequence = 0;
            stalled.setSoTimeout(20_000);
            final DataInputStream in = new DataInputStream(stalled.getInputStream());
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(Await.TIMEOUT_S);
            while (!allFinal(lastSequence, names, perTopic))
            {
                failIfPast(deadlineNs, push, lastSequence, errors); // heartbeats keep the read from timing out
                final RawWebSocket.Frame next = RawWebSocket.readFrame(in);
                assertTrue(next.opcode() != 0x8, "unexpected close frame");
                if (next.opcode() != 0x2)
                {
                    continue;
                }
                final byte[] frame = next.payload();
                final UnsafeBuffer buffer = new UnsafeBuffer(frame);
                final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
                if (header.templateId() == SubscribedDecoder.TEMPLATE_ID)
                {
                    final SubscribedDecoder subscribed = new SubscribedDecoder().wrapAndApplyHeader(buffer, 0, header);
                    topicNames.put(subscribed.topic(), subscribed.topicName());
                }
                else if (header.templateId() == BatchDecoder.TEMPLATE_ID)
                {
                    for (final BatchDecoder.EventsDecoder event :
                        new BatchDecoder().wrapAndApplyHeader(buffer, 0, header).events())
                    {
                        final String name = topicNames.get(event.topic());
                        final long topicSequence = event.topicSequence();
                        final Long previous = lastSequence.put(name, topicSequence);
                        assertTrue(null == previous || topicSequence > previous,
                            name + " went from " + previous + " to " + topicSequence);
                        if (!lapped)
                        {
                            // latest values go out oldest first: the client's cursor only rises, so a resume from
                            // any point misses nothing (a lapped skip may re-send an older latest value after it)
                            assertTrue(event.globalSequence() > lastGlobalSequence,
                                "the cursor went from " + lastGlobalSequence + " to " + event.globalSequence());
                            lastGlobalSequence = event.globalSequence();
                        }
                        event.skipPayload();
                        received++;
                    }
                }
            }

            assertTrue(received < perTopic * names.length,
                "conflation sent fewer events than published: " + received);
            assertEquals(0, push.edge.counters().fanOut().slowConsumerDisconnects().get());
            assertEquals(List.of(), errors, "the fan-out's errors");
            assertEquals(2, push.edge.counters().connections().get(), "both still connected");

            // the client that read all along (beside the stalled one): each topic in order, nothing twice, and its
            // final value; as many of the events as it kept up with (a flood may conflate it too)
            await(() -> hasFinal(reading, names, perTopic), () -> "the reading client's last events: " +
                reading.events.subList(Math.max(0, reading.events.size() - 3), reading.events.size()));
            final Map<String, Long> readingLast = new HashMap<>();
            for (final WebSocketTestClient.Event event : reading.events)
            {
                final Long previous = readingLast.put(event.topic(), event.topicSequence());
                assertTrue(null == previous || event.topicSequence() > previous,
                    "reading client: " + event.topic() + " went from " + previous + " to " + event.topicSequence());
            }
            assertTrue(!reading.closeCode.isDone(), "the reading client was not cut: " + reading.closeReason);
            if (lapped)
            {
                // the skip is counted when the fan-out takes its report, which may be after the latest values,
                // sent as pending ones, have arrived
                await(() -> push.edge.counters().fanOut().sharedLogSkips().get() > 0,
                    () -> "the stalled client's cursor was not lapped in the shared log");
            }
        }
    }

    private static void publishAll(
        final EmbeddedPush push, final String[] names, final int perTopic, final int payloadLength)
    {
        final Topic[] topics = new Topic[names.length];
        for (int t = 0; t < names.length; t++)
        {
            topics[t] = push.engine.topic(names[t]);
        }
        publishAll(push, topics, perTopic, payloadLength);
    }

    private static void publishAll(
        final EmbeddedPush push, final Topic[] topics, final int perTopic, final int payloadLength)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
        for (int i = 0; i < perTopic; i++)
        {
            for (final Topic topic : topics)
            {
                payload.putInt(0, i);
                final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(Await.TIMEOUT_S);
                while (push.engine.offer(topic, PayloadType.OPAQUE, payload, 0, payloadLength) < 0)
                {
                    if (System.nanoTime() - deadlineNs > 0)
                    {
                        fail("the engine refused event " + i + " for " + Await.TIMEOUT_S + " s; the edge has taken " +
                            push.edge.counters().fanOut().eventsIn().get());
                    }
                    Thread.yield();
                }
            }
        }
        await(() -> push.edge.counters().fanOut().eventsIn().get() == (long)perTopic * topics.length);
    }

    private static void failIfPast(
        final long deadlineNs, final EmbeddedPush push, final Map<String, Long> last, final List<Throwable> errors)
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            final AssertionError failure = new AssertionError(
                "the stalled client has not had every topic's final value within " + Await.TIMEOUT_S +
                " s; last topic sequences " + last + ", conflated " + push.edge.counters().fanOut().conflated().get() +
                ", shared-log skips " + push.edge.counters().fanOut().sharedLogSkips().get() + ", fan-out errors " +
                errors);
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    private static boolean hasFinal(final WebSocketTestClient client, final String[] names, final long last)
    {
        final Map<String, Long> lastSequence = new HashMap<>();
        for (final WebSocketTestClient.Event event : client.events)
        {
            lastSequence.put(event.topic(), event.topicSequence());
        }
        return allFinal(lastSequence, names, last);
    }

    private static boolean allFinal(final Map<String, Long> lastSequence, final String[] names, final long last)
    {
        for (final String name : names)
        {
            if (lastSequence.getOrDefault(name, 0L) != last)
            {
                return false;
            }
        }
        return true;
    }
}
