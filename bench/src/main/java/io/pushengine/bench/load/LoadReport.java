package io.pushengine.bench.load;

import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The results as a Markdown table (console and file) and, with a report file, a latency-by-percentile plot next to
 * it (PNG; the data are HdrHistogram's percentile distribution).
 */
final class LoadReport
{
    private LoadReport()
    {
    }

    static String markdown(final LoadSettings settings, final String command, final List<PhaseResult> results,
        final String plotFileName)
    {
        final StringBuilder md = new StringBuilder();
        md.append("# Load report: ").append(settings.scenario).append("\n\n");
        md.append("Run ").append(LocalDate.now()).append(" on ").append(machine()).append(".\n\n");
        md.append("Command: `").append(command).append("`\n\n");
        md.append(String.format(Locale.ROOT, "Workload: %d topics, %d per client, %d-byte payloads, open-loop " +
            "publisher (latency is measured from each event's due time, so a stalled server cannot hide its " +
            "backlog); %.0f s warm-up then a %.0f s window per phase; long-poll wait %d ms. Clients, publisher and " +
            "server share the machine; the server (%s) runs in its own JVM and its CPU and memory come from its " +
            "`/metrics`.%n%n",
            settings.topics, settings.topicsPerClient, settings.payloadBytes, settings.warmupMs / 1e3,
            settings.durationMs / 1e3, settings.longPollWaitMs,
            "embedded".equals(settings.target) ? "engine and edge, " + (settings.serverProperties.isEmpty() ?
                "default settings" : settings.serverProperties) : settings.target));
        md.append("| phase | transport | clients | published ev/s | delivered ev/s | p50 ms | p90 ms | p99 ms | " +
            "p99.9 ms | max ms | wire B/event | wire KB/s | HTTP req/s | server CPU % | server RSS/conn | " +
            "missed | errors |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final PhaseResult phase : results)
        {
            for (final PhaseResult.Transport t : phase.transports())
            {
                md.append(String.format(Locale.ROOT,
                    "| %s | %s | %,d | %,.0f | %,.0f | %s | %s | %s | %s | %s | %,.0f | %,.1f | %,.1f | %.0f | %s | " +
                    "%s | %d |%n",
                    phase.name(), t.label(), t.clients(), phase.publishedPerSecond(),
                    t.eventsPerSecond(phase.windowMs()), ms(t.percentileMs(50)), ms(t.percentileMs(90)),
                    ms(t.percentileMs(99)), ms(t.percentileMs(99.9)), ms(t.maxMs()), t.bytesPerEvent(),
                    t.bytesPerSecond(phase.windowMs()) / 1024, t.requestsPerSecond(phase.windowMs()),
                    phase.serverCpuPercent(), bytes(phase.rssPerConnection()),
                    missed(t), t.totals().errors()));
            }
        }
        md.append('\n');
        md.append("*missed*: events a client had not received once publishing stopped and a grace period passed ")
            .append("(conflation by policy counts here), as clients short / events; gaps seen in topic sequences: ");
        for (final PhaseResult phase : results)
        {
            for (final PhaseResult.Transport t : phase.transports())
            {
                md.append(String.format(Locale.ROOT, "%s %s %d; ", phase.name(), t.label(),
                    t.totals().gapEvents()));
            }
        }
        md.append("server-side conflated/dropped/slow disconnects: ");
        for (final PhaseResult phase : results)
        {
            md.append(String.format(Locale.ROOT, "%s %d/%d/%d; ", phase.name(), phase.conflated(), phase.dropped(),
                phase.slowDisconnects()));
        }
        md.append("publisher's worst lag behind its schedule: ");
        for (final PhaseResult phase : results)
        {
            md.append(String.format(Locale.ROOT, "%s %.1f ms; ", phase.name(), phase.publisherMaxBehindMs()));
        }
        md.append("server heap + direct memory growth per connection (live, after a GC): ");
        for (final PhaseResult phase : results)
        {
            md.append(String.format(Locale.ROOT, "%s %s; ", phase.name(), bytes(phase.liveMemoryPerConnection())));
        }
        md.append("\n\n");
        for (final PhaseResult phase : results)
        {
            for (final PhaseResult.Transport t : phase.transports())
            {
                if (t.toFrame().getTotalCount() > 0)
                {
                    md.append(String.format(Locale.ROOT, "%s %s latency split at the edge's frame " +
                        "(`Batch.sentTimestampNs`): publish → frame built p50 %s ms, p99 %s ms; frame → client " +
                        "p50 %s ms, p99 %s ms.%n", phase.name(), t.label(),
                        ms(t.toFrame().getValueAtPercentile(50) / 1e6), ms(t.toFrame().getValueAtPercentile(99) / 1e6),
                        ms(t.frameToClient().getValueAtPercentile(50) / 1e6),
                        ms(t.frameToClient().getValueAtPercentile(99) / 1e6)));
                }
            }
        }
        md.append('\n');
        comparison(md, results);
        if (null != plotFileName)
        {
            md.append("![latency by percentile](").append(plotFileName).append(")\n");
        }
        return md.toString();
    }

    /**
     * Push against the first phase (short-poll at its interval): the case for migrating, in three numbers.
     */
    private static void comparison(final StringBuilder md, final List<PhaseResult> results)
    {
        if (results.size() < 2 || 1 != results.get(0).transports().size() ||
            LoadTransport.SHORT_POLL != results.get(0).transports().get(0).transport())
        {
            return;
        }
        final PhaseResult basePhase = results.get(0);
        final PhaseResult.Transport base = basePhase.transports().get(0);
        md.append("Against ").append(base.label()).append(" polling:\n\n");
        md.append("| transport | requests/s | fewer requests | bytes/s | fewer bytes | p50 | p50 as % of the poll " +
            "interval |\n|---|---:|---:|---:|---:|---:|---:|\n");
        final double intervalMs = basePhase.shortPollMs();
        for (final PhaseResult phase : results)
        {
            for (final PhaseResult.Transport t : phase.transports())
            {
                md.append(String.format(Locale.ROOT, "| %s | %,.1f | %.1f %% | %,.0f | %.1f %% | %s ms | %.2f %% |%n",
                    t.label(), t.requestsPerSecond(phase.windowMs()),
                    100 * (1 - t.requestsPerSecond(phase.windowMs()) / base.requestsPerSecond(basePhase.windowMs())),
                    t.bytesPerSecond(phase.windowMs()),
                    100 * (1 - t.bytesPerSecond(phase.windowMs()) / base.bytesPerSecond(basePhase.windowMs())),
                    ms(t.percentileMs(50)), 100 * t.percentileMs(50) / intervalMs));
            }
        }
        md.append('\n');
    }

    /**
     * Highest plotted level (99.9999999999 %): beyond it a double cannot tell percentiles apart.
     */
    static final double MAX_PLOT_LEVEL = 12;

    /**
     * {@link #plot} on a thread of its own, waited for at most {@code timeoutMs}: a charting library's bug must not
     * keep the harness from stopping by itself.
     *
     * @return false if the plot did not finish in time (it is abandoned; the thread is a daemon).
     */
    static boolean plotWithin(final List<PhaseResult> results, final Path png, final long timeoutMs) throws Exception
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Thread plotter = new Thread(() ->
        {
            try
            {
                plot(results, png);
                done.complete(null);
            }
            catch (final Throwable ex)
            {
                done.completeExceptionally(ex);
            }
        }, "load-report-plot");
        plotter.setDaemon(true);
        plotter.start();
        try
        {
            done.get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        }
        catch (final TimeoutException ex)
        {
            return false;
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof Exception ? (Exception)ex.getCause() : ex;
        }
    }

    static void plot(final List<PhaseResult> results, final Path png) throws Exception
    {
        final XYChart chart = new XYChartBuilder().width(900).height(560)
            .title("Publish-to-receive latency by percentile").xAxisTitle("percentile (log scale of 1 / (1 - p))")
            .yAxisTitle("latency (ms)").build();
        chart.getStyler().setYAxisLogarithmic(true).setMarkerSize(3)
            .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        // x is log10(1 / (1 - p)): 0 is the median's neighbour 0 %, 1 is 90 %, 2 is 99 %, 3 is 99.9 %
        chart.getStyler().setxAxisTickLabelsFormattingFunction(LoadReport::percentileLabel);
        for (final PhaseResult phase : results)
        {
            for (final PhaseResult.Transport t : phase.transports())
            {
                if (0 == t.latency().getTotalCount())
                {
                    continue;
                }
                final List<Double> x = new ArrayList<>();
                final List<Double> y = new ArrayList<>();
                for (final HistogramIterationValue v : t.latency().percentiles(5))
                {
                    final double percentile = v.getPercentileLevelIteratedTo();
                    final double level = Math.log10(1 / (1 - percentile / 100));
                    if (percentile >= 100.0 || !(level <= MAX_PLOT_LEVEL))
                    {
                        break;
                    }
                    x.add(level);
                    y.add(Math.max(0.001, v.getValueIteratedTo() / 1e6));
                }
                if (!x.isEmpty())
                {
                    final String name = results.size() > 1 && phase.transports().size() > 1 ?
                        phase.name() + " " + t.label() : t.label() + (results.size() > 1 &&
                        !phase.name().startsWith(t.label()) ? " (" + phase.name() + ")" : "");
                    chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
                }
            }
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    static void print(final PrintStream out, final String markdown)
    {
        out.println();
        out.println(markdown);
    }

    /**
     * The percentile at {@code x = log10(1 / (1 - p))} with enough decimals that no two axis ticks share a label:
     * XChart 3.8.8 loops forever on an axis whose tick labels repeat (knowm/XChart#799), which the harness met with a
     * million-sample phase (ticks from 99.9999 % up all read "100%" at three decimals).
     */
    static String percentileLabel(final double x)
    {
        final int decimals = Math.max(0, (int)Math.ceil(x - 2) + 2);
        final String text = String.format(Locale.ROOT, "%." + decimals + "f", 100 * (1 - Math.pow(10, -x)));
        return (text.contains(".") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text) + "%";
    }

    private static String ms(final double value)
    {
        if (Double.isNaN(value))
        {
            return "-";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) :
            String.format(Locale.ROOT, value >= 10 ? "%.1f" : "%.2f", value);
    }

    private static String bytes(final double value)
    {
        if (0 == value)
        {
            return "-";
        }
        return Math.abs(value) >= 1024 ? String.format(Locale.ROOT, "%.1f KB", value / 1024) :
            String.format(Locale.ROOT, "%.0f B", value);
    }

    private static String missed(final PhaseResult.Transport t)
    {
        return 0 == t.shortClients() ? "0" : t.shortClients() + " / " + t.missingEvents();
    }

    static String machine()
    {
        String cpu = System.getProperty("os.arch");
        long memoryKb = 0;
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo")))
            {
                if (line.startsWith("MemTotal:"))
                {
                    memoryKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final Exception ignore)
        {
            // not Linux
        }
        return String.format(Locale.ROOT, "%d cores (%s), %.0f GiB, %s %s, %s %s",
            Runtime.getRuntime().availableProcessors(), cpu, memoryKb / 1024.0 / 1024.0,
            System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.vm.name"),
            System.getProperty("java.version"));
    }
}
