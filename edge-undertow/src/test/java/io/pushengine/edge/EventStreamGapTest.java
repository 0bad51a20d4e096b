package io.pushengine.edge;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.sbe.CatalogCompleteEncoder;
import io.pushengine.codec.sbe.CatalogRequestDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.TopicDeclaredEncoder;
import io.pushengine.engine.replay.ReplayService;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalRetention;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edge-side gap recovery: when the event stream skips sequences (here the test plays the sequencer and leaves
 * 4..6 out of the stream, as a lost Aeron range or an engine dying between journal and send would), the edge holds
 * the stream, fetches the missing events from the journal through the real replay service over Aeron, and its
 * clients see 1..7 with nothing missing and nothing twice.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventStreamGapTest
{
    private static final int TOPIC = 1;

    @TempDir
    File journalDir;

    @Test
    void missingRangeIsReplayedFromTheJournalBeforeTheNextEvent() throws Exception
    {
        final String aeronDir = new File(journalDir.getParentFile(), "gap-aeron-" + UUID.randomUUID()).getPath();
        final AtomicBoolean running = new AtomicBoolean(true);
        MediaDriver driver = null;
        Aeron aeron = null;
        EventJournal journal = null;
        AgentRunner replayRunner = null;
        EdgeServer edge = null;
        Thread catalogResponder = null;
        try
        {
            driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED));
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
            journal = new EventJournal(new EventJournal.Context().dir(journalDir));
            final UnsafeBuffer[] events = new UnsafeBuffer[8];
            for (int sequence = 1; sequence <= 7; sequence++)
            {
                events[sequence] = encodeEvent(sequence);
                journal.append(events[sequence], 0, events[sequence].capacity()); // journaled, as the sequencer does
            }
            replayRunner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null,
                new ReplayService(
                    aeron.addSubscription("aeron:ipc", ProtocolDefaults.REPLAY_REQUEST_STREAM_ID),
                    aeron.addExclusivePublication("aeron:ipc", ProtocolDefaults.REPLAY_STREAM_ID),
                    journal,
                    aeron.addCounter(CounterType.ENGINE_REPLAYS_SERVED.typeId(), "test"),
                    aeron.addCounter(CounterType.ENGINE_EVENTS_REPLAYED.typeId(), "test"),
                    new JournalRetention(journal, 0, 0),
                    aeron.addCounter(CounterType.ENGINE_JOURNAL_CYCLES_DELETED.typeId(), "test")));

            final Publication eventStream = aeron.addPublication("aeron:ipc", ProtocolDefaults.EVENTS_STREAM_ID);
            final Subscription ingress = aeron.addSubscription("aeron:ipc", ProtocolDefaults.INGRESS_STREAM_ID);
            catalogResponder = new Thread(() -> answerCatalogRequests(ingress, eventStream, running), "catalog");
            catalogResponder.start();

            edge = EdgeServer.launch(new EdgeServer.Context()
                .host("127.0.0.1")
                .port(0)
                .aeronDirectoryName(aeronDir)
                .eventsChannel("aeron:ipc")
                .ingressChannel("aeron:ipc"));
            final EdgeServer server = edge;
            await(server::isReady, () -> "edge not ready");

            try (WebSocketTestClient client = new WebSocketTestClient(
                java.net.URI.create("ws://127.0.0.1:" + edge.port() + "/ws?topics=g.A")))
            {
                await(() -> client.topicNames.containsValue("g.A"));
                assertEquals(200, ready(edge.port()).statusCode());
                for (final int sequence : new int[]{ 1, 2, 3, 7 }) // 4, 5 and 6 never reach the stream
                {
                    offer(eventStream, events[sequence]);
                }
                await(() -> server.counters().fanOut().streamGaps().get() == 1);
                final java.net.http.HttpResponse<String> behind = ready(edge.port());
                assertEquals(503, behind.statusCode(), behind.body()); // holding 7 until 4..6 are replayed
                assertTrue(behind.body().contains("\"streamPosition\":3,\"enginePosition\":7"), behind.body());

                AgentRunner.startOnThread(replayRunner); // the engine's replay service answers now
                await(() -> client.events.size() >= 7, () -> "client has " + client.events.size());
                final List<Long> sequences = client.events.stream()
                    .map(WebSocketTestClient.Event::globalSequence).toList();
                assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), sequences);
                assertEquals("e5", client.events.get(4).payload());
                assertEquals(1, edge.counters().fanOut().streamGaps().get());
                assertEquals(3, edge.counters().fanOut().streamGapEventsRecovered().get());
                assertEquals(0, edge.counters().fanOut().streamGapEventsLost().get());
                final int port = edge.port();
                await(() -> ready(port).statusCode() == 200, () -> ready(port).body());
            }
        }
        finally
        {
            running.set(false);
            if (null != catalogResponder)
            {
                catalogResponder.join();
            }
            CloseHelper.closeAll(edge, replayRunner, journal, aeron, driver);
        }
    }

    private static java.net.http.HttpResponse<String> ready(final int port)
    {
        try
        {
            return java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/ready")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The sequencer's part in the catalog exchange: the topic, then "complete" (nothing published yet).
     */
    private static void answerCatalogRequests(
        final Subscription ingress, final Publication eventStream, final AtomicBoolean running)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final CatalogRequestDecoder request = new CatalogRequestDecoder();
        final UnsafeBuffer out = new UnsafeBuffer(new byte[256]);
        final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        while (running.get())
        {
            final int fragments = ingress.poll((buffer, offset, length, h) ->
            {
                header.wrap(buffer, offset);
                if (header.templateId() != CatalogRequestDecoder.TEMPLATE_ID)
                {
                    return;
                }
                request.wrapAndApplyHeader(buffer, offset, header);
                final TopicDeclaredEncoder declared = new TopicDeclaredEncoder()
                    .wrapAndApplyHeader(out, 0, headerEncoder).topic(TOPIC).topicName("g.A");
                offer(eventStream, new UnsafeBuffer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH +
                    declared.encodedLength()));
                final CatalogCompleteEncoder complete = new CatalogCompleteEncoder()
                    .wrapAndApplyHeader(out, 0, headerEncoder)
                    .correlationId(request.correlationId()).lastGlobalSequence(0).topicCount(1);
                offer(eventStream, new UnsafeBuffer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH +
                    complete.encodedLength()));
            }, 10);
            if (0 == fragments)
            {
                Thread.onSpinWait();
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }
    }

    private static UnsafeBuffer encodeEvent(final long sequence)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final byte[] payload = ("e" + sequence).getBytes(StandardCharsets.UTF_8);
        final EventEncoder encoder = new EventEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .globalSequence(sequence)
            .topic(TOPIC)
            .topicSequence(sequence)
            .timestampNs(System.currentTimeMillis() * 1_000_000L)
            .payloadType(PayloadType.TEXT)
            .putPayload(payload, 0, payload.length);
        return new UnsafeBuffer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    private static void offer(final Publication publication, final UnsafeBuffer message)
    {
        while (publication.offer(message, 0, message.capacity()) < 0)
        {
            Thread.yield();
        }
    }
}
