package io.pushengine.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load harness, tiny: a real server JVM (engine and edge), a few clients of every transport over loopback
 * sockets, a few seconds of publishing. Asserts counts and correctness only (every client got every event of its
 * topics, once, in order); speed is for the harness's own runs, never a test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoadHarnessSmokeTest
{
    @TempDir
    Path workDir;

    @Test
    void everyTransportDeliversEveryEventOnceAndTheReportSaysSo() throws Exception
    {
        final LoadSettings settings = LoadSettings.parse(new String[]{
            "--clients=websocket=3,sse=3,long-poll=3,short-poll=3",
            "--topics=4",
            "--topics-per-client=2",
            "--rate=40",
            "--warmup-s=0.5",
            "--duration-s=2",
            "--short-poll-interval-ms=200",
            "--long-poll-wait-ms=1000",
            "--source-addresses=3",
            "--work-dir=" + workDir });
        final ByteArrayOutputStream progress = new ByteArrayOutputStream();
        final List<PhaseResult> results = LoadHarness.run(settings, new PrintStream(progress, true,
            StandardCharsets.UTF_8));

        assertEquals(1, results.size());
        final PhaseResult phase = results.get(0);
        assertEquals(4, phase.transports().size());
        for (final PhaseResult.Transport transport : phase.transports())
        {
            final String what = transport.label() + ": " + transport.lastError();
            assertEquals(3, transport.clients(), what);
            assertEquals(3, transport.ready(), what);
            assertTrue(transport.totals().events() > 0, what);
            assertTrue(transport.latency().getTotalCount() > 0, what);
            assertEquals(0, transport.shortClients(), what + " missed " + transport.missingEvents() + " events");
            assertEquals(0, transport.totals().gapEvents(), what);
            assertEquals(0, transport.totals().duplicates(), what);
            assertEquals(0, transport.totals().errors(), what);
            assertTrue(transport.totals().bytesIn() > 0, what);
        }
        assertTrue(phase.transports().stream()
            .filter(t -> t.transport() == LoadTransport.SHORT_POLL || t.transport() == LoadTransport.LONG_POLL)
            .allMatch(t -> t.totals().requests() > 0), "polls are HTTP requests");
        assertTrue(phase.serverCpuPercent() > 0, "the server's CPU time comes from its /metrics");
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("websocket"), "progress is printed");

        final String markdown = LoadReport.markdown(settings, "test", results, "smoke.png");
        for (final String row : List.of("| websocket |", "| sse |", "| long-poll |", "| short-poll 200 ms |"))
        {
            assertTrue(markdown.contains(row), markdown);
        }
        final Path png = workDir.resolve("smoke.png");
        LoadReport.plot(results, png);
        assertTrue(Files.size(png) > 1000, "a plot was drawn");
    }

    @Test
    void aRunningEdgeIsTargetedByUrlAndItsEnginesMediaDriver() throws Exception
    {
        try (ServerProcess server = ServerProcess.launch(workDir.resolve("server"), java.util.Map.of(),
            java.util.List.of()))
        {
            final LoadSettings settings = LoadSettings.parse(new String[]{
                "--target=" + server.baseUrl(),
                "--aeron-dir=" + server.aeronDirectoryName(),
                "--clients=websocket=2,sse=2",
                "--topics=2",
                "--rate=20",
                "--warmup-s=0.5",
                "--duration-s=1.5",
                "--source-addresses=2" });
            final List<PhaseResult> results = LoadHarness.run(settings, new PrintStream(new ByteArrayOutputStream(),
                true, StandardCharsets.UTF_8));

            final PhaseResult phase = results.get(0);
            for (final PhaseResult.Transport transport : phase.transports())
            {
                final String what = transport.label() + ": " + transport.lastError();
                assertEquals(2, transport.ready(), what);
                assertTrue(transport.totals().events() > 0, what);
                assertEquals(0, transport.shortClients(), what + " missed " + transport.missingEvents());
                assertEquals(0, transport.totals().errors(), what);
            }
            assertTrue(phase.serverCpuPercent() > 0, "read from the running edge's /metrics");
        }
    }
}
