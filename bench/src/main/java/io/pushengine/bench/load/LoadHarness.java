package io.pushengine.bench.load;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The end-to-end load harness: starts the embedded engine and edge in a JVM of their own (or targets a running
 * edge), opens N clients per transport from this process over non-blocking IO, publishes at R events/s over T
 * topics open loop, and reports per transport delivered events/s, latency percentiles, wire bytes per event,
 * HTTP requests/s, server CPU and memory, and what was missed. Bounded in time and count; loopback by default.
 * <pre>
 *   java [flags] -cp bench/target/benchmarks.jar io.pushengine.bench.load.LoadHarness --scenario=migration
 *   ... --scenario=broadcast | ticker | idle | custom --clients=websocket=100,sse=100 --rate=1000 --topics=10
 * </pre>
 * See bench/README.md for every option and the scenarios.
 */
public final class LoadHarness
{
    private static final long PLOT_TIMEOUT_MS = 60_000;

    private LoadHarness()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final LoadSettings settings;
        try
        {
            settings = LoadSettings.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("load harness: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final List<PhaseResult> results = run(settings, System.out);
        final String plotName = null == settings.report ? null :
            settings.report.getFileName().toString().replaceAll("\\.md$", "") + ".png";
        final String markdown = LoadReport.markdown(settings, LoadSettings.commandLine(args), results, plotName);
        LoadReport.print(System.out, markdown);
        if (null != settings.report)
        {
            Files.createDirectories(settings.report.toAbsolutePath().getParent());
            Files.writeString(settings.report, markdown);
            final Path png = settings.report.resolveSibling(plotName);
            if (LoadReport.plotWithin(results, png, PLOT_TIMEOUT_MS))
            {
                System.out.println("report: " + settings.report + " and " + png);
            }
            else
            {
                System.out.println("report: " + settings.report + " (the plot did not finish within " +
                    PLOT_TIMEOUT_MS / 1000 + " s and was not written)");
            }
        }
        System.exit(0); // Netty's and Aeron's threads are gone by now; nothing is left to wait for
    }

    /**
     * Run every phase the settings ask for and return their results.
     */
    static List<PhaseResult> run(final LoadSettings settings, final PrintStream out) throws Exception
    {
        final List<PhaseResult> results = new ArrayList<>();
        ServerProcess server = null;
        try
        {
            final String baseUrl;
            final String aeronDir;
            if ("embedded".equals(settings.target))
            {
                final Path workDir = settings.workDir.resolve("run-" + System.currentTimeMillis());
                out.println("starting the server (engine + edge) in its own JVM; its log: " +
                    workDir.resolve("server.log"));
                server = ServerProcess.launch(workDir, settings.serverProperties, settings.serverJvmOptions);
                baseUrl = server.baseUrl();
                aeronDir = server.aeronDirectoryName();
                out.println("server pid " + server.pid() + " at " + baseUrl);
            }
            else
            {
                baseUrl = settings.target.replaceAll("/$", "");
                aeronDir = settings.aeronDir;
            }
            final URI uri = URI.create(baseUrl);
            try (ClientIo io = new ClientIo(uri.getHost(), uri.getPort(), settings.clientThreads,
                settings.sourceAddresses);
                OpenLoopPublisher publisher = new OpenLoopPublisher(aeronDir, settings.ingressChannel, settings.topics,
                    settings.payloadBytes))
            {
                publisher.declareTopics();
                awaitTopics(baseUrl, settings.topics);
                publisher.start(0);
                final LoadPhase phase = new LoadPhase(settings, baseUrl, io, publisher, out,
                    null != server ? server::gc : null);
                if (settings.transportPerPhase)
                {
                    for (final LoadTransport transport : List.of(LoadTransport.SHORT_POLL, LoadTransport.LONG_POLL,
                        LoadTransport.SSE, LoadTransport.WEBSOCKET))
                    {
                        final Integer count = settings.clients.get(transport);
                        if (null == count || 0 == count)
                        {
                            continue;
                        }
                        results.addAll(phase.run(LoadPhase.label(transport, settings.shortPollIntervalMs),
                            Map.of(transport, count), settings.shortPollIntervalMs, settings.rates));
                        if (LoadTransport.SHORT_POLL == transport && settings.secondShortPollIntervalMs > 0)
                        {
                            results.addAll(phase.run(LoadPhase.label(transport, settings.secondShortPollIntervalMs),
                                Map.of(transport, count), settings.secondShortPollIntervalMs, settings.rates));
                        }
                    }
                }
                else
                {
                    results.addAll(phase.run(settings.scenario, new EnumMap<>(settings.clients),
                        settings.shortPollIntervalMs, settings.rates));
                }
            }
        }
        finally
        {
            if (null != server)
            {
                server.close();
            }
        }
        return results;
    }

    /**
     * Wait until the edge lists every load topic, so clients can subscribe to all of them by name.
     */
    private static void awaitTopics(final String baseUrl, final int topics) throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final String body = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/topics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            final int declared = body.split("\"topic\":\"" + TopicSequences.TOPIC_PREFIX, -1).length - 1;
            if (declared >= topics)
            {
                return;
            }
            if (System.nanoTime() > deadlineNs)
            {
                throw new IllegalStateException("the edge lists " + declared + " of " + topics + " load topics");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }
}
