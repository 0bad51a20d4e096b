package io.pushengine.edge.http;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The serving process's own CPU time and memory, under the names Prometheus clients use, so that load tests and
 * dashboards can put a cost on each connection and event: {@code process_cpu_seconds_total},
 * {@code process_resident_memory_bytes} (Linux), {@code jvm_memory_used_bytes{area="heap"}} and
 * {@code jvm_buffer_pool_used_bytes{pool="direct"}}.
 */
final class ProcessMetrics
{
    private static final Path STATUS = Path.of("/proc/self/status");

    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final List<BufferPoolMXBean> bufferPools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);

    void appendTo(final StringBuilder out)
    {
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            final long cpuNs = ((com.sun.management.OperatingSystemMXBean)os).getProcessCpuTime();
            if (cpuNs >= 0)
            {
                sample(out, "process_cpu_seconds_total", "counter", "CPU time of the serving process (user + system)",
                    "", String.format(java.util.Locale.ROOT, "%.3f", cpuNs / 1e9));
            }
        }
        final long rssBytes = residentBytes();
        if (rssBytes > 0)
        {
            sample(out, "process_resident_memory_bytes", "gauge", "Resident set size of the serving process", "",
                Long.toString(rssBytes));
        }
        sample(out, "jvm_memory_used_bytes", "gauge", "Heap in use (live and not yet collected)",
            "{area=\"heap\"}", Long.toString(memory.getHeapMemoryUsage().getUsed()));
        for (final BufferPoolMXBean pool : bufferPools)
        {
            if ("direct".equals(pool.getName()))
            {
                sample(out, "jvm_buffer_pool_used_bytes", "gauge", "Direct buffer memory in use", "{pool=\"direct\"}",
                    Long.toString(pool.getMemoryUsed()));
            }
        }
    }

    private static void sample(
        final StringBuilder out,
        final String name,
        final String type,
        final String help,
        final String labels,
        final String value)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    private static long residentBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(STATUS))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return 1024L * Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
        }
        catch (final Exception ignore)
        {
            // not Linux: no RSS line
        }
        return -1;
    }
}
