package io.pushengine.bench.load;

import io.pushengine.bench.BenchFlags;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded engine and edge (the runnable artifact's {@code embedded} role, demo feed off) in a JVM of their
 * own, so that the server's CPU time and memory are its own and not the load clients': the harness reads them
 * from its {@code /metrics}. Its output goes to {@code server.log} in the work directory.
 */
final class ServerProcess implements AutoCloseable
{
    private static final Pattern LISTENING = Pattern.compile("Live prices: http://([^:/]+):(\\d+)/");

    private final Process process;
    private final String baseUrl;
    private final String aeronDirectoryName;

    private ServerProcess(final Process process, final String baseUrl, final String aeronDirectoryName)
    {
        this.process = process;
        this.baseUrl = baseUrl;
        this.aeronDirectoryName = aeronDirectoryName;
    }

    /**
     * Start the server and wait until it serves.
     *
     * @param workDir    journal and log go here.
     * @param properties {@code -D} settings for the server (edge policies, limits, batching).
     * @param jvmOptions extra JVM options (e.g. {@code -Xmx2g}).
     */
    static ServerProcess launch(final Path workDir, final Map<String, String> properties, final List<String> jvmOptions)
        throws Exception
    {
        final String aeronDir = (new File("/dev/shm").isDirectory() ? "/dev/shm" : System.getProperty("java.io.tmpdir")) +
            "/push-load-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(BenchFlags.ALL);
        command.addAll(jvmOptions);
        command.add("-XX:ErrorFile=" + workDir.toAbsolutePath().resolve("hs_err_pid%p.log"));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-Dpush.aeron.dir=" + aeronDir);
        command.add("-Daeron.dir.delete.on.shutdown=true");
        command.add("-Dpush.journal.dir=" + workDir.toAbsolutePath().resolve("journal"));
        command.add("-Dpush.edge.host=127.0.0.1");
        command.add("-Dpush.edge.port=0");
        command.add("-Dpush.demo.ticks.per.second=0");
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-cp");
        command.add(absoluteClassPath());
        command.add("io.pushengine.app.PushEngineMain");
        command.add("embedded");

        Files.createDirectories(workDir);
        final Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
            .start();
        final CompletableFuture<String> listening = new CompletableFuture<>();
        final Path log = workDir.resolve("server.log");
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)); PrintWriter out = new PrintWriter(Files.newBufferedWriter(log)))
            {
                String line;
                while (null != (line = in.readLine()))
                {
                    out.println(line);
                    out.flush();
                    final Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find())
                    {
                        listening.complete("http://" + matcher.group(1) + ":" + matcher.group(2));
                    }
                }
            }
            catch (final Exception ignore)
            {
                // the server has gone
            }
            listening.completeExceptionally(new IllegalStateException("server exited; see " + log));
        }, "load-server-output");
        pump.setDaemon(true);
        pump.start();
        try
        {
            return new ServerProcess(process, listening.get(60, TimeUnit.SECONDS), aeronDir);
        }
        catch (final Exception ex)
        {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not start; see " + log, ex);
        }
    }

    /**
     * This JVM's class path with every entry absolute: the server runs in its work directory.
     */
    private static String absoluteClassPath()
    {
        final StringBuilder classPath = new StringBuilder();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            classPath.append(classPath.length() > 0 ? File.pathSeparator : "").append(
                Path.of(entry).toAbsolutePath());
        }
        return classPath.toString();
    }

    String baseUrl()
    {
        return baseUrl;
    }

    String aeronDirectoryName()
    {
        return aeronDirectoryName;
    }

    long pid()
    {
        return process.pid();
    }

    /**
     * A full GC in the server (through {@code jcmd}), so that heap and direct memory read afterwards are what is
     * live: for memory per connection.
     */
    void gc()
    {
        try
        {
            final Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "GC.run").redirectErrorStream(true).start();
            jcmd.getInputStream().readAllBytes();
            jcmd.waitFor(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("jcmd GC.run failed: " + ex, ex);
        }
    }

    public void close()
    {
        process.toHandle().destroy(); // SIGTERM: the server shuts down in order
        try
        {
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
