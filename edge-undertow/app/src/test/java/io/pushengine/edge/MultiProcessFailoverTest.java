package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distributed deployment with real processes, as the README runs it: an {@code engine}, two {@code edge}s and
 * a {@code publisher}, each its own JVM with its own media driver, talking over Aeron UDP on 127.0.0.1 (events by
 * dynamic multi-destination-cast, ingress by unicast), and WebSocket clients on both edges that fail over the way
 * the browser client does (a list of edges; resume from the last sequence).
 * <ol>
 *     <li>edge A is killed with SIGKILL: its clients reconnect to edge B and resume;</li>
 *     <li>edge A is started again: it catches up with the engine ({@code /ready}) and resumes a client from a
 *     sequence older than itself, out of the engine's journal over Aeron;</li>
 *     <li>edge B is stopped with SIGTERM (rolling restart): it drains, closing its clients with 1001 and a
 *     {@code retry-after-ms} hint, they move to edge A and resume, and B exits by itself.</li>
 * </ol>
 * Throughout, every client sees each topic's sequence without a gap or a repeat, and the global sequence only
 * rising.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MultiProcessFailoverTest
{
    private static final String TOPICS = "prices.EURUSD,prices.GBPUSD,prices.USDJPY";
    /** The publisher's five instruments: every event of the stream. */
    private static final String ALL_TOPICS = TOPICS + ",prices.USDCHF,prices.AUDUSD";
    private static final Pattern STREAM_POSITION = Pattern.compile("\"streamPosition\":(\\d+)");

    @TempDir
    File dir;

    @Test
    void clientsMoveToTheOtherEdgeWhenOneDiesOrDrainsAndLoseNothing() throws Exception
    {
        final int controlPort = UdpChannelTest.freeUdpPort();
        final int ingressPort = UdpChannelTest.freeUdpPort();
        final String ingress = "aeron:udp?endpoint=127.0.0.1:" + ingressPort;
        final String edgeEvents = "aeron:udp?endpoint=127.0.0.1:0|control=127.0.0.1:" + controlPort +
            "|control-mode=dynamic";
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        final List<FailoverClient> clients = new ArrayList<>();
        RoleProcess edgeA = null;
        RoleProcess edgeB = null;
        try (RoleProcess engine = RoleProcess.start("engine", "engine", Map.of(
                "push.events.channel", "aeron:udp?control=127.0.0.1:" + controlPort + "|control-mode=dynamic|fc=max",
                "push.ingress.channel", ingress,
                "push.journal.dir", new File(dir, "journal").getAbsolutePath(),
                "push.aeron.dir", new File(dir, "aeron-engine").getAbsolutePath(),
                "push.aeron.term.buffer.length", "1048576",
                "push.engine.metrics.port", "0"), "push-engine ready");
            RoleProcess publisher = RoleProcess.start("publisher", "publisher", Map.of(
                "push.ingress.channel", ingress,
                "push.aeron.dir", new File(dir, "aeron-publisher").getAbsolutePath(),
                "push.aeron.term.buffer.length", "1048576",
                "push.demo.instruments", "5",
                "push.demo.ticks.per.second", "300"), "push-publisher ready"))
        {
            // each port is picked just before its edge binds it: picked earlier, the OS could hand it out meanwhile
            // as the source port of another connection (seen once: edge-b 'Address already in use')
            final int portA = freeTcpPort();
            edgeA = startEdge("edge-a", portA, edgeEvents, ingress);
            final int portB = freeTcpPort();
            edgeB = startEdge("edge-b", portB, edgeEvents, ingress);
            for (final int port : new int[]{ portA, portB })
            {
                await(() -> get(http, port, "/topics").body().contains("prices.USDJPY"),
                    () -> "edge on " + port + " has not seen the topics");
            }

            final List<URI> edges = List.of(
                URI.create("ws://127.0.0.1:" + portA), URI.create("ws://127.0.0.1:" + portB));
            for (int i = 0; i < 4; i++)
            {
                // two start on A, two on B; each has both edges in its list
                final FailoverClient client = new FailoverClient("client-" + i, edges, i % 2);
                clients.add(client);
                client.start();
            }
            for (final FailoverClient client : clients)
            {
                await(() -> client.received() >= 30, () -> client.name + " received " + client.received());
            }

            // 0. the standalone engine serves its own metrics: the edges, in other processes, cannot see them
            final String engineMetricsUrl = engine.readyLine.substring(engine.readyLine.indexOf(" metrics=") + 9);
            final String engineMetrics = http.send(HttpRequest.newBuilder(URI.create(engineMetricsUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(engineMetrics.matches("(?s).*\npush_engine_events_sequenced_total\\{source=\"engine\"} [1-9].*"),
                engineMetrics);
            assertTrue(engineMetrics.matches("(?s).*\npush_engine_publish_to_journal_seconds_count\\{source=\"engine\"} [1-9].*"),
                engineMetrics);

            // 1. edge A dies: its clients go to B and resume where they were
            edgeA.kill();
            final long afterKill = maxCursor(clients) + 100;
            for (final FailoverClient client : clients)
            {
                await(() -> client.cursor() >= afterKill, () -> client.name + " at " + client.cursor() +
                    ", waiting for " + afterKill + "; connections " + client.closes);
            }
            for (int i = 0; i < clients.size(); i += 2)
            {
                assertTrue(clients.get(i).connections.get() >= 2, clients.get(i).name + " reconnected");
            }

            // 2. edge A comes back on the same port and catches up with the engine
            edgeA = startEdge("edge-a-restarted", portA, edgeEvents, ingress);
            await(() -> 200 == get(http, portA, "/ready").statusCode(), () -> "restarted edge A not ready");
            final long positionB = position(get(http, portB, "/ready").body());
            await(() -> position(get(http, portA, "/ready").body()) >= positionB,
                () -> "restarted edge A behind edge B at " + positionB);

            // ... and resumes a client from before it started: the journal, replayed over Aeron (no shared disk)
            final long replayTo = maxCursor(clients);
            try (WebSocketTestClient late = new WebSocketTestClient(URI.create("ws://127.0.0.1:" + portA +
                "/ws?topics=" + ALL_TOPICS + "&from=10")))
            {
                await(() -> !late.events.isEmpty() && last(late) >= replayTo,
                    () -> "replayed up to " + (late.events.isEmpty() ? 0 : last(late)) + " of " + replayTo);
                long expected = 11;
                for (final WebSocketTestClient.Event event : late.events)
                {
                    assertEquals(expected++, event.globalSequence(), "every event of every topic, in order");
                }
            }

            // 3. edge B drains (SIGTERM): every client moves to A on a 1001 with a hint, without loss
            final int connectionsBefore = clients.stream().mapToInt(c -> c.connections.get()).sum();
            assertTrue(edgeB.terminate(30_000), "edge B exits by itself once drained");
            final RoleProcess drained = edgeB;
            assertTrue(drained.output.stream().anyMatch(line -> line.equals("push-edge drained: 0 connections left")),
                () -> "edge B drained every connection before it exited; exit " + drained.process.exitValue() +
                "; its output: " + drained.output);
            final long afterDrain = maxCursor(clients) + 100;
            for (final FailoverClient client : clients)
            {
                await(() -> client.cursor() >= afterDrain && client.currentEdge() == 0,
                    () -> client.name + " at " + client.cursor() + " on edge " + client.currentEdge() +
                    ", waiting for " + afterDrain + " on A; closes " + client.closes);
            }
            assertTrue(clients.stream().mapToInt(c -> c.connections.get()).sum() > connectionsBefore);
            assertTrue(clients.stream().flatMap(c -> c.closes.stream())
                .anyMatch(close -> close.startsWith("1001 ") && close.contains("retry-after-ms=")),
                () -> "a drain close carries 1001 and a hint: " + clients.get(0).closes);

            for (final FailoverClient client : clients)
            {
                client.stop();
                assertContiguous(client);
                System.out.println(client.name + ": " + client.events.size() + " events over " +
                    client.connections.get() + " connections; closes " + client.closes);
            }
        }
        finally
        {
            clients.forEach(FailoverClient::stop);
            for (final RoleProcess edge : new RoleProcess[]{ edgeA, edgeB })
            {
                if (null != edge)
                {
                    edge.close();
                }
            }
        }
    }

    private RoleProcess startEdge(final String name, final int port, final String events, final String ingress)
        throws Exception
    {
        return RoleProcess.start(name, "edge", Map.of(
            "push.edge.host", "127.0.0.1",
            "push.edge.port", String.valueOf(port),
            "push.events.channel", events,
            "push.ingress.channel", ingress,
            "push.aeron.dir", new File(dir, "aeron-" + name).getAbsolutePath(),
            "push.aeron.term.buffer.length", "1048576",
            "push.edge.drain.ms", "2000",
            "push.edge.drain.reconnect.jitter.ms", "300"), "push-edge ready");
    }

    /**
     * Every event once, the global sequence rising, and each topic's sequence without a gap from the first seen.
     */
    private static void assertContiguous(final FailoverClient client)
    {
        final Map<String, Long> lastTopicSequence = new HashMap<>();
        long lastGlobal = 0;
        for (final WebSocketTestClient.Event event : client.events)
        {
            assertTrue(event.globalSequence() > lastGlobal,
                () -> client.name + ": " + event + " after " + client.events.size() + " events; closes " + client.closes);
            lastGlobal = event.globalSequence();
            final Long previous = lastTopicSequence.put(event.topic(), event.topicSequence());
            if (null != previous)
            {
                assertEquals(previous + 1, event.topicSequence(), () -> client.name + ": gap in " + event.topic() +
                    " at " + event + "; closes " + client.closes);
            }
        }
        assertEquals(3, lastTopicSequence.size(), client.name + " saw every topic");
    }

    private static long last(final WebSocketTestClient client)
    {
        return client.events.get(client.events.size() - 1).globalSequence();
    }

    private static long maxCursor(final List<FailoverClient> clients)
    {
        return clients.stream().mapToLong(FailoverClient::cursor).max().orElse(0);
    }

    private static long position(final String readyBody)
    {
        final Matcher matcher = STREAM_POSITION.matcher(readyBody);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private static HttpResponse<String> get(final HttpClient http, final int port, final String path)
    {
        try
        {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("GET " + path + " on " + port + ": " + ex, ex);
        }
    }

    private static int freeTcpPort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * What the browser client does, in Java: one WebSocket at a time to one of a list of edges; when it closes,
     * the next edge (after the server's {@code retry-after-ms} hint, or a short jittered pause), resuming with
     * {@code from=} the last sequence received.
     */
    private static final class FailoverClient
    {
        private static final Pattern HINT = Pattern.compile("retry-after-ms=(\\d+)");

        final String name;
        final List<WebSocketTestClient.Event> events = new CopyOnWriteArrayList<>();
        final List<String> closes = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        private final List<URI> edges;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private volatile int edge;
        private volatile WebSocketTestClient current;
        private volatile int taken;

        FailoverClient(final String name, final List<URI> edges, final int firstEdge)
        {
            this.name = name;
            this.edges = edges;
            this.edge = firstEdge;
            this.thread = new Thread(this::run, name);
            this.thread.setDaemon(true);
        }

        void start()
        {
            thread.start();
        }

        int received()
        {
            return events.size() + pendingOf(current);
        }

        long cursor()
        {
            take();
            return events.isEmpty() ? 0 : events.get(events.size() - 1).globalSequence();
        }

        int currentEdge()
        {
            return null == current ? -1 : edge;
        }

        private int pendingOf(final WebSocketTestClient client)
        {
            return null == client ? 0 : client.events.size() - taken;
        }

        /**
         * Move what the current connection received to {@link #events}, in order.
         */
        private synchronized void take()
        {
            final WebSocketTestClient client = current;
            if (null == client)
            {
                return;
            }
            final List<WebSocketTestClient.Event> received = client.events;
            while (taken < received.size())
            {
                events.add(received.get(taken++));
            }
        }

        private void run()
        {
            while (running.get())
            {
                long pauseMs = 100 + ThreadLocalRandom.current().nextLong(200);
                try
                {
                    final long from = cursor();
                    final URI uri = edges.get(edge).resolve("/ws?topics=" + TOPICS + (from > 0 ? "&from=" + from : ""));
                    final WebSocketTestClient client = new WebSocketTestClient(uri);
                    synchronized (this)
                    {
                        taken = 0;
                        current = client;
                    }
                    connections.incrementAndGet();
                    int code;
                    try
                    {
                        code = client.closeCode.get();
                    }
                    catch (final Exception ex)
                    {
                        code = 1006;
                    }
                    take();
                    synchronized (this)
                    {
                        current = null;
                    }
                    final String reason = null == client.closeReason ? "" : client.closeReason;
                    closes.add(code + " " + reason);
                    final Matcher hint = HINT.matcher(reason);
                    if (hint.find())
                    {
                        pauseMs = Long.parseLong(hint.group(1));
                    }
                }
                catch (final Exception ex)
                {
                    closes.add("connect failed: " + ex);
                }
                if (!running.get())
                {
                    return;
                }
                edge = (edge + 1) % edges.size();
                try
                {
                    Thread.sleep(pauseMs);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }

        void stop()
        {
            running.set(false);
            final WebSocketTestClient client = current;
            take();
            if (null != client)
            {
                client.close();
            }
            thread.interrupt();
        }
    }
}
