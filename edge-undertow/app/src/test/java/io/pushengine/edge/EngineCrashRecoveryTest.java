package io.pushengine.edge;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.engine.EngineMain;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash recovery with real processes: the engine runs in a child JVM (its own media driver, journal in a temp dir,
 * UDP to the edge in this JVM), is killed with SIGKILL while an HTTP publisher and a WebSocket client are busy,
 * and restarted on the same journal. The client's connection to the edge stays up throughout; afterwards every
 * publish that was acknowledged is in its stream exactly once, each topic's sequences are contiguous, and the
 * engine's sequences went on from the last journaled one (none reused).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EngineCrashRecoveryTest
{
    private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");

    @TempDir
    File journalDir;

    @TempDir
    File engineAeronDir; // not /dev/shm: a SIGKILLed driver cannot delete its directory

    @Test
    void killedEngineRestartsAfterTheLastJournaledEventAndClientsLoseNothing() throws Exception
    {
        final int eventsPort = freeUdpPort();
        final int ingressPort = freeUdpPort();
        final String eventsChannel = "aeron:udp?endpoint=127.0.0.1:" + eventsPort;
        final String ingressChannel = "aeron:udp?endpoint=127.0.0.1:" + ingressPort;
        final String edgeAeronDir = new File(journalDir.getParentFile(), "edge-aeron-" + UUID.randomUUID())
            .getAbsolutePath();

        RoleProcess engine = startEngine(eventsChannel, ingressChannel);
        final MediaDriver edgeDriver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(edgeAeronDir)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(ThreadingMode.SHARED)
            .publicationTermBufferLength(1024 * 1024)
            .imageLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(2)));
        EdgeServer edge = null;
        final AtomicBoolean publishing = new AtomicBoolean(true);
        try
        {
            edge = EdgeServer.launch(new EdgeServer.Context()
                .host("127.0.0.1")
                .port(0)
                .aeronDirectoryName(edgeAeronDir)
                .eventsChannel(eventsChannel)
                .ingressChannel(ingressChannel)
                .ringCapacity(4 * 1024 * 1024)
                .publishTimeoutMs(1000));
            final EdgeServer edgeServer = edge;
            await(edgeServer::isReady, () -> "edge not ready");

            final Map<String, Long> acked = new ConcurrentHashMap<>(); // payload -> global sequence
            final AtomicInteger attempts = new AtomicInteger();
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            // the topics exist before the client subscribes, so its Subscribed messages name them
            for (final String topic : new String[]{ "k.A", "k.B" })
            {
                assertEquals(200, publish(http, edgeServer, topic, "init-" + topic).statusCode());
            }

            try (WebSocketTestClient client = new WebSocketTestClient(
                URI.create("ws://127.0.0.1:" + edge.port() + "/ws?topics=k.A,k.B")))
            {
                await(() -> client.topicNames.size() == 2);
                final Thread publisher = new Thread(() ->
                {
                    int i = 0;
                    while (publishing.get())
                    {
                        final String payload = "p" + i;
                        try
                        {
                            final HttpResponse<String> response = publish(
                                http, edgeServer, (i & 1) == 0 ? "k.A" : "k.B", payload);
                            if (200 == response.statusCode())
                            {
                                final Matcher matcher = SEQUENCE.matcher(response.body());
                                assertTrue(matcher.find(), response.body());
                                acked.put(payload, Long.parseLong(matcher.group(1)));
                            }
                        }
                        catch (final Exception ex)
                        {
                            // not acknowledged: may or may not be journaled
                        }
                        attempts.incrementAndGet();
                        i++;
                    }
                }, "crash-publisher");
                publisher.start();

                await(() -> acked.size() >= 300, () -> "acked " + acked.size());
                final long lastAckedBeforeCrash = acked.values().stream().mapToLong(Long::longValue).max().orElse(0);
                engine.kill(); // SIGKILL: no shutdown hook, no flush
                assertFalse(engine.process.isAlive());
                final int ackedAtCrash = acked.size();
                final int attemptsAtCrash = attempts.get();
                await(() -> attempts.get() > attemptsAtCrash + 2); // publishes fail while it is down

                engine = startEngine(eventsChannel, ingressChannel);
                await(() -> acked.size() >= ackedAtCrash + 300, () -> "acked after restart " + acked.size());
                publishing.set(false);
                publisher.join();

                final Set<String> ackedPayloads = new HashSet<>(acked.keySet());
                await(() -> received(client).containsAll(ackedPayloads), () -> "missing " +
                    missing(ackedPayloads, received(client)).size() + " acknowledged events, e.g. " +
                    missing(ackedPayloads, received(client)).stream().limit(5).toList());

                final List<WebSocketTestClient.Event> events = new ArrayList<>(client.events);
                final Set<String> payloads = new HashSet<>();
                final Set<Long> sequences = new HashSet<>();
                final Map<String, Long> lastTopicSequence = new HashMap<>();
                long lastGlobal = 0;
                for (final WebSocketTestClient.Event event : events)
                {
                    assertTrue(payloads.add(event.payload()), "delivered twice: " + event);
                    assertTrue(sequences.add(event.globalSequence()), "sequence reused: " + event);
                    assertTrue(event.globalSequence() > lastGlobal, "out of order: " + event);
                    lastGlobal = event.globalSequence();
                    final Long previous = lastTopicSequence.put(event.topic(), event.topicSequence());
                    if (null != previous)
                    {
                        assertEquals(previous + 1, event.topicSequence(), "gap in " + event.topic() + " at " + event);
                    }
                }
                for (final Map.Entry<String, Long> entry : acked.entrySet())
                {
                    assertTrue(events.stream().anyMatch(e -> e.payload().equals(entry.getKey()) &&
                        e.globalSequence() == entry.getValue()), "acknowledged " + entry + " not as acknowledged");
                }
                assertTrue(acked.values().stream().anyMatch(s -> s > lastAckedBeforeCrash));
                System.out.println("crash recovery: acked " + acked.size() + " of " + attempts.get() +
                    " publishes, client received " + events.size() + ", stream gaps " +
                    edge.counters().fanOut().streamGaps().get() + " (events recovered " +
                    edge.counters().fanOut().streamGapEventsRecovered().get() + ")");
                assertTrue(edge.counters().fanOut().engineSessions().get() >= 1, "the edge saw the new engine");
                assertEquals(0, edge.counters().fanOut().streamGapEventsLost().get());
                assertFalse(client.closeCode.isDone(), "the client stayed connected through the crash");
            }
        }
        finally
        {
            publishing.set(false);
            engine.close();
            CloseHelper.closeAll(edge, edgeDriver);
        }
    }

    private static Set<String> received(final WebSocketTestClient client)
    {
        final Set<String> payloads = new HashSet<>();
        client.events.forEach(e -> payloads.add(e.payload()));
        return payloads;
    }

    private static Set<String> missing(final Set<String> expected, final Set<String> received)
    {
        final Set<String> missing = new HashSet<>(expected);
        missing.removeAll(received);
        return missing;
    }

    private static HttpResponse<String> publish(
        final HttpClient http, final EdgeServer edge, final String topic, final String payload) throws Exception
    {
        return http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + edge.port() + "/publish/" + topic + "?type=TEXT"))
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private RoleProcess startEngine(final String eventsChannel, final String ingressChannel) throws Exception
    {
        return RoleProcess.start("engine", "engine", Map.of(
            "push.journal.dir", journalDir.getAbsolutePath(),
            "push.events.channel", eventsChannel,
            "push.ingress.channel", ingressChannel,
            "push.aeron.dir", engineAeronDir.getAbsolutePath(),
            "push.aeron.term.buffer.length", "1048576",
            "push.engine.metrics.port", "0"), EngineMain.READY_LINE);
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
