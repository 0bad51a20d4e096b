package io.pushengine.edge;

import io.pushengine.app.PushEngineMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * One role of the runnable artifact ({@code engine}, {@code edge}, {@code publisher}) in a child JVM, started the
 * way the README starts it ({@link PushEngineMain} with a role and {@code -D} settings) on this JVM's class path
 * and with the flags Agrona and Chronicle need. Its output is echoed with a prefix and kept; {@link #start} returns
 * once it printed its ready line.
 */
final class RoleProcess implements AutoCloseable
{
    final String name;
    final Process process;
    final List<String> output = new CopyOnWriteArrayList<>();
    final String readyLine;
    private final Thread reader;

    private RoleProcess(final String name, final Process process, final String readyPrefix) throws Exception
    {
        this.name = name;
        this.process = process;
        final CompletableFuture<String> ready = new CompletableFuture<>();
        reader = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = lines.readLine()))
                {
                    output.add(line);
                    System.out.println("[" + name + " " + process.pid() + "] " + line);
                    if (line.startsWith(readyPrefix))
                    {
                        ready.complete(line);
                    }
                }
            }
            catch (final Exception ignore)
            {
                // the process ended
            }
            ready.complete(null);
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
        this.readyLine = ready.get(90, TimeUnit.SECONDS);
        assertNotNull(readyLine, name + " did not start; its output: " + output);
    }

    static RoleProcess start(
        final String name, final String role, final Map<String, String> properties, final String readyPrefix)
        throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("--add-") || argument.startsWith("-Dchronicle"))
            {
                command.add(argument); // the flags Agrona and Chronicle need, as this JVM has them
            }
        }
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PushEngineMain.class.getName());
        command.add(role);
        return new RoleProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start(), readyPrefix);
    }

    /**
     * SIGKILL: no shutdown hook, nothing flushed or closed.
     */
    void kill() throws Exception
    {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
        reader.join(5_000);
    }

    /**
     * SIGTERM, as an orchestrator stops a process.
     *
     * @return whether it exited within the timeout (its output is then read to the end).
     */
    boolean terminate(final long timeoutMs) throws Exception
    {
        process.toHandle().destroy(); // Process.destroy() would also close our end of its output
        final boolean exited = process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
        if (exited)
        {
            reader.join(5_000);
        }
        return exited;
    }

    public void close() throws Exception
    {
        if (process.isAlive())
        {
            kill();
        }
    }
}
