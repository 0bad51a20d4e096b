package io.pushengine.bench.load;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One bounded measurement: open the clients, wait until every one is subscribed, publish at a rate, discard the
 * warm-up, measure a window (printing a line a second), stop publishing, let the clients catch up, check that each
 * received every event of its topics, and close them.
 */
final class LoadPhase
{
    private static final long READY_TIMEOUT_MS = 180_000;
    private static final int CONNECT_BATCH = 250;

    private final LoadSettings settings;
    private final String baseUrl;
    private final ClientIo io;
    private final OpenLoopPublisher publisher;
    private final PrintStream out;
    private final Runnable serverGc;
    private final EpochNanoClock clock = new SystemEpochNanoClock();
    private long shortPollMs;

    LoadPhase(
        final LoadSettings settings,
        final String baseUrl,
        final ClientIo io,
        final OpenLoopPublisher publisher,
        final PrintStream out,
        final Runnable serverGc)
    {
        this.serverGc = serverGc;
        this.settings = settings;
        this.baseUrl = baseUrl;
        this.io = io;
        this.publisher = publisher;
        this.out = out;
    }

    /**
     * @param name            what the report calls this phase.
     * @param clientCounts    clients per transport.
     * @param shortPollMs     the short-poll interval for this phase.
     * @param rates           one window per rate, with the same clients; stops early once p99 passes the bound.
     */
    List<PhaseResult> run(
        final String name, final Map<LoadTransport, Integer> clientCounts, final long shortPollMs, final List<Long> rates)
    {
        this.shortPollMs = shortPollMs;
        final Map<LoadTransport, TransportStats> stats = new EnumMap<>(LoadTransport.class);
        final Map<LoadTransport, List<LoadClient>> clients = new EnumMap<>(LoadTransport.class);
        final ServerMetrics beforeConnect = memorySnapshot();
        int total = 0;
        for (final Map.Entry<LoadTransport, Integer> entry : clientCounts.entrySet())
        {
            final TransportStats transportStats = new TransportStats(entry.getKey());
            stats.put(entry.getKey(), transportStats);
            final List<LoadClient> list = new ArrayList<>();
            for (int i = 0; i < entry.getValue(); i++)
            {
                list.add(newClient(entry.getKey(), transportStats, topicsOf(total + i), shortPollMs));
            }
            clients.put(entry.getKey(), list);
            total += entry.getValue();
        }
        final List<PhaseResult> results = new ArrayList<>();
        try
        {
            open(clients, stats, total);
            if (settings.holdMs > 0)
            {
                out.printf("holding %,d idle connections for %d s (until their rings are released)%n", total,
                    settings.holdMs / 1000);
                final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.holdMs);
                while (System.nanoTime() < deadlineNs)
                {
                    sleep(500);
                    if (0 == ServerMetrics.read(baseUrl).get("push_edge_ring_bytes"))
                    {
                        break;
                    }
                }
            }
            final ServerMetrics allReady = memorySnapshot();
            final double rssPerConnection = beforeConnect.delta(allReady, "process_resident_memory_bytes") / total;
            final double liveMemoryPerConnection = (beforeConnect.delta(allReady, "jvm_memory_used_bytes") +
                beforeConnect.delta(allReady, "jvm_buffer_pool_used_bytes")) / total;
            out.printf("server memory per connection: RSS %,.0f B, heap + direct %,.0f B (after a GC: %s)%n",
                rssPerConnection, liveMemoryPerConnection, null != serverGc ? "yes" : "no, a running edge");

            for (final long rate : rates)
            {
                final PhaseResult result = window(
                    rates.size() > 1 ? name + " @ " + rate + " ev/s" : name, rate, clients, stats,
                    rssPerConnection, liveMemoryPerConnection);
                results.add(result);
                if (result.transports().stream().anyMatch(t -> t.percentileMs(99) > settings.p99BoundMs))
                {
                    out.printf("p99 passed %.1f ms at %d ev/s: stepping stops%n", settings.p99BoundMs, rate);
                    break;
                }
            }
        }
        finally
        {
            publisher.rate(0);
            clients.values().forEach(list -> list.forEach(LoadClient::close));
            sleep(500);
        }
        return results;
    }

    /**
     * The server's metrics after a full GC when the harness started the server (so heap and direct memory are
     * what is live), else as they are.
     */
    private ServerMetrics memorySnapshot()
    {
        if (null != serverGc)
        {
            serverGc.run();
        }
        return ServerMetrics.read(baseUrl);
    }

    private void open(
        final Map<LoadTransport, List<LoadClient>> clients, final Map<LoadTransport, TransportStats> stats,
        final int total)
    {
        final long startNs = System.nanoTime();
        int opened = 0;
        for (final List<LoadClient> list : clients.values())
        {
            for (final LoadClient client : list)
            {
                client.open(io);
                opened++;
                if (0 == opened % CONNECT_BATCH)
                {
                    awaitReady(stats, opened, startNs); // bounded in-flight handshakes
                    out.printf("  %,d of %,d clients ready%n", readyCount(stats), total);
                }
            }
        }
        awaitReady(stats, opened, startNs);
        sleep(300); // the fan-out registers a subscription just after the stream's headers are sent
        out.printf("%,d clients ready in %.1f s%n", readyCount(stats), (System.nanoTime() - startNs) / 1e9);
    }

    private void awaitReady(final Map<LoadTransport, TransportStats> stats, final int expected, final long startNs)
    {
        while (readyCount(stats) + errorCount(stats) < expected)
        {
            if (System.nanoTime() - startNs > TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS))
            {
                throw new IllegalStateException("only " + readyCount(stats) + " of " + expected +
                    " clients ready after " + READY_TIMEOUT_MS / 1000 + " s; last errors: " + lastErrors(stats));
            }
            sleep(20);
        }
        if (errorCount(stats) > 0)
        {
            throw new IllegalStateException(errorCount(stats) + " clients failed to connect: " + lastErrors(stats));
        }
    }

    private PhaseResult window(
        final String name,
        final long rate,
        final Map<LoadTransport, List<LoadClient>> clients,
        final Map<LoadTransport, TransportStats> stats,
        final double rssPerConnection,
        final double liveMemoryPerConnection)
    {
        final long[] publishedAtStart = publishedPerTopic();
        final long[] receivedAtStart = receivedPerClient(clients);
        publisher.rate(rate);
        out.printf("%s: publishing %,d ev/s over %d topics (%d B payloads); warm-up %.1f s, window %.1f s%n",
            name, rate, settings.topics, settings.payloadBytes, settings.warmupMs / 1e3, settings.durationMs / 1e3);
        sleep(settings.warmupMs);

        final Map<LoadTransport, Histogram> latency = new EnumMap<>(LoadTransport.class);
        final Map<LoadTransport, Histogram> toFrame = new EnumMap<>(LoadTransport.class);
        final Map<LoadTransport, Histogram> frameToClient = new EnumMap<>(LoadTransport.class);
        final Map<LoadTransport, TransportStats.Totals> before = new EnumMap<>(LoadTransport.class);
        stats.forEach((transport, s) ->
        {
            s.takeLatency();
            s.toFrame.reset();
            s.frameToClient.reset();
            latency.put(transport, new Histogram(TransportStats.HIGHEST_TRACKABLE_NS, 3));
            before.put(transport, s.totals());
        });
        final ServerMetrics serverBefore = ServerMetrics.read(baseUrl);
        final long sentBefore = publisher.sent();
        publisher.resetMaxBehind();
        final long windowStartNs = System.nanoTime();
        final long windowEndNs = windowStartNs + TimeUnit.MILLISECONDS.toNanos(settings.durationMs);
        final Map<LoadTransport, Long> lastEvents = new EnumMap<>(LoadTransport.class);
        stats.forEach((transport, s) -> lastEvents.put(transport, s.events.sum()));
        long nextPrintNs = windowStartNs + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < windowEndNs)
        {
            LockSupport.parkNanos(Math.min(windowEndNs, nextPrintNs) - System.nanoTime());
            if (System.nanoTime() >= nextPrintNs || System.nanoTime() >= windowEndNs)
            {
                final StringBuilder line = new StringBuilder(String.format("  %5.1f s",
                    (System.nanoTime() - windowStartNs) / 1e9));
                stats.forEach((transport, s) ->
                {
                    final Histogram interval = s.takeLatency();
                    latency.get(transport).add(interval);
                    final long events = s.events.sum();
                    line.append(String.format("  %s %,d ev/s p99 %.2f ms", transport.label(),
                        events - lastEvents.get(transport),
                        interval.getTotalCount() > 0 ? interval.getValueAtPercentile(99) / 1e6 : Double.NaN));
                    lastEvents.put(transport, events);
                });
                out.println(line);
                nextPrintNs += TimeUnit.SECONDS.toNanos(1);
            }
        }
        final long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - windowStartNs);
        final ServerMetrics serverAfter = ServerMetrics.read(baseUrl);
        final Map<LoadTransport, TransportStats.Totals> after = new EnumMap<>(LoadTransport.class);
        stats.forEach((transport, s) ->
        {
            latency.get(transport).add(s.takeLatency());
            toFrame.put(transport, s.toFrame.getIntervalHistogram());
            frameToClient.put(transport, s.frameToClient.getIntervalHistogram());
            after.put(transport, s.totals());
        });
        final double publishedPerSecond = (publisher.sent() - sentBefore) * 1000.0 / windowMs;

        publisher.rate(0);
        final Map<LoadTransport, long[]> shortfall = awaitDelivered(clients, publishedAtStart, receivedAtStart);

        final List<PhaseResult.Transport> transports = new ArrayList<>();
        stats.forEach((transport, s) -> transports.add(new PhaseResult.Transport(
            transport,
            label(transport, shortPollMs),
            clients.get(transport).size(),
            s.ready.get(),
            latency.get(transport),
            toFrame.get(transport),
            frameToClient.get(transport),
            after.get(transport).minus(before.get(transport)),
            shortfall.get(transport)[0],
            shortfall.get(transport)[1],
            s.lastError)));
        return new PhaseResult(
            name,
            rate,
            publishedPerSecond,
            publisher.maxBehindNs() / 1e6,
            windowMs,
            shortPollMs,
            100.0 * serverBefore.delta(serverAfter, "process_cpu_seconds_total") * 1000.0 / windowMs,
            rssPerConnection,
            liveMemoryPerConnection,
            (long)serverBefore.delta(serverAfter, "push_edge_conflated_total"),
            (long)serverBefore.delta(serverAfter, "push_edge_dropped_total"),
            (long)serverBefore.delta(serverAfter, "push_edge_disconnects_total{reason=\"slow_consumer\"}"),
            transports);
    }

    /**
     * After publishing stops, wait (bounded) until every client has every event published on its topics in this
     * window, then say per transport how many clients fell short and by how many events.
     */
    private Map<LoadTransport, long[]> awaitDelivered(
        final Map<LoadTransport, List<LoadClient>> clients, final long[] publishedAtStart, final long[] receivedAtStart)
    {
        final long[] published = publishedPerTopic();
        final long graceNs = TimeUnit.MILLISECONDS.toNanos(
            2_000 + (clients.containsKey(LoadTransport.SHORT_POLL) ? 2 * shortPollMs : 0));
        final long deadlineNs = System.nanoTime() + graceNs;
        final Map<LoadTransport, long[]> shortfall = new EnumMap<>(LoadTransport.class);
        while (true)
        {
            shortfall.clear();
            long shortClients = 0;
            int clientIndex = 0;
            for (final Map.Entry<LoadTransport, List<LoadClient>> entry : clients.entrySet())
            {
                final long[] counts = new long[2];
                for (final LoadClient client : entry.getValue())
                {
                    long expected = 0;
                    for (final int topic : client.topics)
                    {
                        expected += published[topic] - publishedAtStart[topic];
                    }
                    final long got = client.received() - receivedAtStart[clientIndex];
                    if (got < expected)
                    {
                        counts[0]++;
                        counts[1] += expected - got;
                    }
                    clientIndex++;
                }
                shortfall.put(entry.getKey(), counts);
                shortClients += counts[0];
            }
            if (0 == shortClients || System.nanoTime() > deadlineNs)
            {
                return shortfall;
            }
            sleep(100);
        }
    }

    private long[] publishedPerTopic()
    {
        final long[] published = new long[settings.topics];
        for (int i = 0; i < published.length; i++)
        {
            published[i] = publisher.published(i);
        }
        return published;
    }

    /**
     * What each client (in transport order) has received so far.
     */
    private static long[] receivedPerClient(final Map<LoadTransport, List<LoadClient>> clients)
    {
        return clients.values().stream().flatMap(List::stream).mapToLong(LoadClient::received).toArray();
    }

    /**
     * A transport as the report names it: short-poll with its interval ({@code short-poll 1 s}).
     */
    static String label(final LoadTransport transport, final long shortPollMs)
    {
        if (LoadTransport.SHORT_POLL != transport)
        {
            return transport.label();
        }
        return transport.label() + " " +
            (shortPollMs >= 1000 && 0 == shortPollMs % 1000 ? (shortPollMs / 1000) + " s" : shortPollMs + " ms");
    }

    private LoadClient newClient(
        final LoadTransport transport, final TransportStats stats, final int[] topics, final long intervalMs)
    {
        return switch (transport)
        {
            case WEBSOCKET -> new WebSocketLoadClient(stats, topics, settings.topics, clock);
            case SSE -> new SseLoadClient(stats, topics, settings.topics, clock);
            case LONG_POLL -> new PollLoadClient(stats, topics, settings.topics, clock, settings.longPollWaitMs, 0);
            case SHORT_POLL -> new PollLoadClient(stats, topics, settings.topics, clock, 0, intervalMs);
        };
    }

    /**
     * Client i's topics: {@code topicsPerClient} consecutive ones from a start that walks round all of them, so
     * every topic has about the same number of subscribers.
     */
    private int[] topicsOf(final int clientIndex)
    {
        final int[] topics = new int[settings.topicsPerClient];
        for (int m = 0; m < topics.length; m++)
        {
            topics[m] = (clientIndex * settings.topicsPerClient + m) % settings.topics;
        }
        return topics;
    }

    private static long readyCount(final Map<LoadTransport, TransportStats> stats)
    {
        return stats.values().stream().mapToLong(s -> s.ready.get()).sum();
    }

    private static long errorCount(final Map<LoadTransport, TransportStats> stats)
    {
        return stats.values().stream().mapToLong(s -> s.errors.sum()).sum();
    }

    private static String lastErrors(final Map<LoadTransport, TransportStats> stats)
    {
        final StringBuilder errors = new StringBuilder();
        stats.forEach((transport, s) ->
        {
            if (null != s.lastError)
            {
                errors.append(transport.label()).append(": ").append(s.lastError).append("; ");
            }
        });
        return errors.toString();
    }

    private static void sleep(final long ms)
    {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
    }
}
