package io.pushengine.app;

import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.metrics.HistogramType;
import io.pushengine.codec.metrics.LatencyBuckets;
import io.pushengine.codec.metrics.LatencyHistogramSeries;
import org.agrona.IoUtil;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.io.PrintStream;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code java -jar push-engine.jar stat [--aeron-dir DIR] [--filter TEXT] [--interval-ms MS] [--count N]}: like
 * Aeron's AeronStat, prints the counters of the engine, edges and media driver attached to an Aeron directory, with
 * their rate per second, by reading the directory's {@code cnc.dat} read-only (no HTTP, and not an Aeron client:
 * it changes nothing). Our counters show under their Prometheus names, Aeron's under their own labels.
 * <p>
 * Without {@code --aeron-dir}: {@code push.aeron.dir} if set, else the one push directory found beside Aeron's
 * default (the all-in-one role makes {@code <default>-push-<uuid>}); several found: they are listed to choose from.
 */
public final class StatMain
{
    static final String USAGE =
        "usage: java -jar push-engine.jar stat [--aeron-dir DIR] [--filter TEXT] [--interval-ms MS] [--count N]";

    private StatMain()
    {
    }

    /**
     * @return the process exit code: 0, or 2 with the reason on {@code err}.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        String dir = System.getProperty("push.aeron.dir");
        String filter = "";
        long intervalMs = 1000;
        long count = 0;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                final String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--aeron-dir" -> dir = CommandOptions.required(args[i], value);
                    case "--filter" -> filter = CommandOptions.required(args[i], value);
                    case "--interval-ms" -> intervalMs = CommandOptions.positive(args[i], value);
                    case "--count" -> count = CommandOptions.positive(args[i], value);
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
                i++;
            }
            if (null == dir)
            {
                dir = findPushDirectory();
            }
        }
        catch (final IllegalArgumentException ex)
        {
            err.println(ex.getMessage());
            err.println(USAGE);
            return 2;
        }

        final File cncFile = new File(dir, CncFileDescriptor.CNC_FILE);
        if (!new File(dir).isDirectory())
        {
            err.println("no Aeron directory at " + dir + ": is an engine or edge running with this push.aeron.dir?");
            return 2;
        }
        if (!cncFile.isFile())
        {
            err.println(dir + " is not an Aeron directory (no " + CncFileDescriptor.CNC_FILE + " in it)");
            return 2;
        }
        final MappedByteBuffer cnc = IoUtil.mapExistingFile(cncFile, FileChannel.MapMode.READ_ONLY, "cnc");
        try
        {
            final UnsafeBuffer metaData = CncFileDescriptor.createMetaDataBuffer(cnc);
            final int version = metaData.getIntVolatile(CncFileDescriptor.cncVersionOffset(0));
            if (0 == version)
            {
                err.println(dir + ": the media driver has not finished starting (cnc.dat not ready)");
                return 2;
            }
            try
            {
                CncFileDescriptor.checkVersion(version);
            }
            catch (final RuntimeException ex)
            {
                err.println(dir + ": " + ex.getMessage());
                return 2;
            }
            final CountersReader counters = new CountersReader(
                CncFileDescriptor.createCountersMetaDataBuffer(cnc, metaData),
                CncFileDescriptor.createCountersValuesBuffer(cnc, metaData));
            print(counters, dir, CncFileDescriptor.pid(metaData), filter.toLowerCase(Locale.ROOT), intervalMs, count,
                out);
            return 0;
        }
        finally
        {
            IoUtil.unmap(cnc);
        }
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    private static void print(
        final CountersReader counters,
        final String dir,
        final long pid,
        final String filter,
        final long intervalMs,
        final long count,
        final PrintStream out)
    {
        final Long2LongHashMap previous = new Long2LongHashMap(Long.MIN_VALUE);
        long previousNs = System.nanoTime();
        for (long round = 1; 0 == count || round <= count; round++)
        {
            final long nowNs = System.nanoTime();
            final double seconds = Math.max(1e-9, (nowNs - previousNs) / 1e9);
            previousNs = nowNs;
            final List<String> lines = new ArrayList<>();
            counters.forEach((counterId, typeId, keyBuffer, label) ->
            {
                if (null != HistogramType.get(typeId))
                {
                    return; // one line per histogram series, below
                }
                final CounterType type = CounterType.get(typeId);
                final String name = null != type ? type.selector() : label;
                final String source = null != type ? CounterType.source(keyBuffer, label) : "aeron";
                if (!filter.isEmpty() && !(name + ' ' + source).toLowerCase(Locale.ROOT).contains(filter))
                {
                    return;
                }
                final long value = counters.getCounterValue(counterId);
                final long before = previous.put(counterId, value);
                final String rate = Long.MIN_VALUE == before ? "" : String.format(Locale.ROOT, "%.0f", (value - before) / seconds);
                lines.add(String.format(Locale.ROOT, "  %-30s %-58s %16d %12s", abbreviate(source, 30),
                    abbreviate(name, 58), value, rate));
            });
            for (final LatencyHistogramSeries series : LatencyHistogramSeries.readAll(counters))
            {
                final HistogramType type = series.type();
                final String name = type.metricName() +
                    (null == type.labelName() ? "" : "{" + type.labelName() + "=\"" + series.labelValue() + "\"}");
                if (!filter.isEmpty() && !(name + ' ' + series.source()).toLowerCase(Locale.ROOT).contains(filter))
                {
                    continue;
                }
                lines.add(String.format(Locale.ROOT, "  %-30s %-58s %16d %12s", abbreviate(series.source(), 30),
                    abbreviate(name, 58), series.count(),
                    "p50<=" + bound(LatencyBuckets.quantileUpperBoundNs(series.values(), 0.5)) +
                    " p99<=" + bound(LatencyBuckets.quantileUpperBoundNs(series.values(), 0.99))));
            }
            out.println("push stat " + dir + " (driver pid " + pid + ")  " + Instant.now() + "  round " + round);
            out.println(String.format(Locale.ROOT, "  %-30s %-58s %16s %12s", "source", "counter", "value", "per s"));
            lines.forEach(out::println);
            out.println();
            out.flush();
            if (0 != count && round == count)
            {
                break;
            }
            try
            {
                Thread.sleep(intervalMs);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String findPushDirectory()
    {
        final File defaultDir = new File(CommonContext.getAeronDirectoryName());
        final File parent = defaultDir.getAbsoluteFile().getParentFile();
        final String prefix = defaultDir.getName() + "-push-";
        final File[] found = null == parent ? null : parent.listFiles(file -> file.isDirectory() &&
            file.getName().startsWith(prefix) && new File(file, CncFileDescriptor.CNC_FILE).isFile());
        if (null == found || 0 == found.length)
        {
            if (new File(defaultDir, CncFileDescriptor.CNC_FILE).isFile())
            {
                return defaultDir.getPath();
            }
            throw new IllegalArgumentException("no running engine or edge found under " + parent + " (" + prefix +
                "*): give --aeron-dir, or set push.aeron.dir");
        }
        if (found.length > 1)
        {
            final StringBuilder names = new StringBuilder();
            for (final File file : found)
            {
                names.append("\n  ").append(file.getPath());
            }
            throw new IllegalArgumentException("several Aeron directories found; choose one with --aeron-dir:" + names);
        }
        return found[0].getPath();
    }

    private static String abbreviate(final String text, final int width)
    {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }

    /**
     * A bucket bound for a person: "-" (no observation), "+Inf", or milliseconds.
     */
    private static String bound(final long upperBoundNs)
    {
        if (upperBoundNs < 0)
        {
            return "-";
        }
        return Long.MAX_VALUE == upperBoundNs ? "+Inf" : String.format(Locale.ROOT, "%.3gms", upperBoundNs / 1e6);
    }
}
