package io.pushengine.bench.load;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a load run does, from {@code --name=value} arguments; a scenario fills in its defaults first, so any of them
 * can be overridden. Every run is bounded: a duration per phase and a client count.
 */
final class LoadSettings
{
    String scenario = "custom";
    /** {@code embedded} (start the engine and edge in a child JVM) or a running edge's base URL. */
    String target = "embedded";
    /** For a running edge: the Aeron directory of the engine's media driver (to publish through). */
    String aeronDir;
    String ingressChannel = "aeron:ipc";
    final Map<LoadTransport, Integer> clients = new EnumMap<>(LoadTransport.class);
    int topics = 1;
    int topicsPerClient = 1;
    /** Events per second, one per phase, over all topics. */
    List<Long> rates = new ArrayList<>(List.of(100L));
    int payloadBytes = 64;
    long warmupMs = 3_000;
    long durationMs = 10_000;
    long shortPollIntervalMs = 1_000;
    long longPollWaitMs = 25_000;
    int sourceAddresses = 50;
    int clientThreads = 1;
    /** Stop stepping the rate once p99 passes this (broadcast). */
    double p99BoundMs = Double.MAX_VALUE;
    /** Run each transport as a phase of its own, one after the other (migration). */
    boolean transportPerPhase;
    /** Also run short-poll at this second interval as a phase of its own (migration), 0 for none. */
    long secondShortPollIntervalMs;
    /** Hold idle connections this long before measuring memory (idle). */
    long holdMs;
    final Map<String, String> serverProperties = new LinkedHashMap<>();
    final List<String> serverJvmOptions = new ArrayList<>();
    Path workDir = Path.of("bench", "target", "load");
    Path report;

    static LoadSettings parse(final String[] args)
    {
        final LoadSettings settings = new LoadSettings();
        for (final String arg : args)
        {
            if (arg.startsWith("--scenario="))
            {
                settings.scenario(arg.substring("--scenario=".length()));
            }
        }
        for (final String arg : args)
        {
            if (!arg.startsWith("--") || !arg.contains("="))
            {
                throw new IllegalArgumentException("arguments are --name=value: " + arg);
            }
            final String name = arg.substring(2, arg.indexOf('='));
            final String value = arg.substring(arg.indexOf('=') + 1);
            switch (name)
            {
                case "scenario" -> { }
                case "target" -> settings.target = value;
                case "aeron-dir" -> settings.aeronDir = value;
                case "ingress-channel" -> settings.ingressChannel = value;
                case "clients" ->
                {
                    settings.clients.clear();
                    for (final String entry : value.split(","))
                    {
                        final String[] kv = entry.split("=");
                        settings.clients.put(LoadTransport.fromLabel(kv[0]), Integer.parseInt(kv[1]));
                    }
                }
                case "topics" -> settings.topics = Integer.parseInt(value);
                case "topics-per-client" -> settings.topicsPerClient = Integer.parseInt(value);
                case "rate", "rates" ->
                {
                    settings.rates = new ArrayList<>();
                    for (final String rate : value.split(","))
                    {
                        settings.rates.add(Long.parseLong(rate));
                    }
                }
                case "payload-bytes" -> settings.payloadBytes = Integer.parseInt(value);
                case "warmup-s" -> settings.warmupMs = (long)(Double.parseDouble(value) * 1000);
                case "duration-s" -> settings.durationMs = (long)(Double.parseDouble(value) * 1000);
                case "short-poll-interval-ms" -> settings.shortPollIntervalMs = Long.parseLong(value);
                case "second-short-poll-interval-ms" -> settings.secondShortPollIntervalMs = Long.parseLong(value);
                case "long-poll-wait-ms" -> settings.longPollWaitMs = Long.parseLong(value);
                case "source-addresses" -> settings.sourceAddresses = Integer.parseInt(value);
                case "client-threads" -> settings.clientThreads = Integer.parseInt(value);
                case "p99-bound-ms" -> settings.p99BoundMs = Double.parseDouble(value);
                case "hold-s" -> settings.holdMs = (long)(Double.parseDouble(value) * 1000);
                case "server" ->
                {
                    final String[] kv = value.split("=", 2);
                    settings.serverProperties.put(kv[0], kv[1]);
                }
                case "server-jvm" -> settings.serverJvmOptions.add(value);
                case "work-dir" -> settings.workDir = Path.of(value);
                case "report" -> settings.report = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option --" + name + " (see bench/README.md)");
            }
        }
        if (settings.clients.isEmpty())
        {
            throw new IllegalArgumentException("no clients: --clients=websocket=N,sse=N,long-poll=N,short-poll=N");
        }
        if (settings.topicsPerClient > settings.topics)
        {
            throw new IllegalArgumentException("--topics-per-client exceeds --topics");
        }
        if (!"embedded".equals(settings.target) && null == settings.aeronDir)
        {
            throw new IllegalArgumentException("a running edge needs --aeron-dir (its engine's media driver) to " +
                "publish through");
        }
        return settings;
    }

    /**
     * The named scenarios' defaults (issue: bench/).
     */
    private void scenario(final String name)
    {
        scenario = name;
        switch (name)
        {
            case "broadcast" ->
            {
                clients.put(LoadTransport.WEBSOCKET, 1_000);
                topics = 1;
                rates = new ArrayList<>(List.of(250L, 500L, 1_000L, 1_500L, 2_000L, 3_000L, 4_000L, 6_000L));
                p99BoundMs = 20;
                durationMs = 10_000;
                serverProperties.put("push.edge.batch.window.ms", "2");
                serverProperties.put("push.edge.ring.capacity", Integer.toString(256 * 1024));
            }
            case "ticker" ->
            {
                clients.put(LoadTransport.WEBSOCKET, 5_000);
                topics = 500;
                topicsPerClient = 20;
                rates = new ArrayList<>(List.of(2_500L));
                durationMs = 20_000;
                serverProperties.put("push.edge.backpressure.policy", "conflate");
                serverProperties.put("push.edge.batch.window.ms", "2");
            }
            case "idle" ->
            {
                clients.put(LoadTransport.WEBSOCKET, 50_000);
                topics = 1_000;
                rates = new ArrayList<>(List.of(0L));
                warmupMs = 0;
                durationMs = 5_000;
                holdMs = 10_000;
                serverProperties.put("push.edge.max.connections.per.address", "100000");
            }
            case "migration" ->
            {
                clients.put(LoadTransport.SHORT_POLL, 1_000);
                clients.put(LoadTransport.LONG_POLL, 1_000);
                clients.put(LoadTransport.SSE, 1_000);
                clients.put(LoadTransport.WEBSOCKET, 1_000);
                topics = 200;
                rates = new ArrayList<>(List.of(40L));
                durationMs = 30_000;
                shortPollIntervalMs = 1_000;
                secondShortPollIntervalMs = 5_000;
                transportPerPhase = true;
                report = Path.of("bench", "reports", "migration.md");
            }
            case "custom" -> { }
            default -> throw new IllegalArgumentException(
                "unknown scenario '" + name + "' (broadcast, ticker, idle, migration, custom)");
        }
    }

    /**
     * The arguments as given, for the report.
     */
    static String commandLine(final String[] args)
    {
        return "java ... io.pushengine.bench.load.LoadHarness " + String.join(" ", args);
    }
}
