package io.pushengine.edge;

import io.pushengine.app.StatMain;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code push-engine.jar stat}: reads a running engine's and edge's counters from their Aeron directory, without
 * HTTP, and prints them with rates; a missing or foreign directory, or a bad option, is a clear message and exit 2.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StatTest
{
    @TempDir
    File journalDir;

    @TempDir
    File notAeron;

    @Test
    void printsTheEnginesAndEdgesCountersWithRates() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            for (int i = 0; i < 5; i++)
            {
                push.engine.publish("stat.t", PayloadType.TEXT, ("e" + i).getBytes(StandardCharsets.UTF_8));
            }
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int exit = StatMain.run(new String[]{ "--aeron-dir", push.engine.aeronDirectoryName(),
                "--filter", "events", "--count", "2", "--interval-ms", "50" }, print(out), print(err));

            final String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
            assertTrue(text.contains("round 2"), text);
            assertTrue(text.matches("(?s).*engine +push_engine_events_sequenced_total +5 +\\d+.*"), text);
            assertTrue(text.contains("push_edge_events_in_total"), text);
            assertTrue(!text.contains("push_edge_connections"), "the filter keeps only matching counters: " + text);
        }
    }

    @Test
    void aMissingOrForeignDirectoryOrBadOptionIsAClearMessage()
    {
        assertRefused(new String[]{ "--aeron-dir", new File(notAeron, "absent").getPath() }, "no Aeron directory at");
        assertRefused(new String[]{ "--aeron-dir", notAeron.getPath() }, "is not an Aeron directory (no cnc.dat");
        assertRefused(new String[]{ "--count", "0" }, "--count must be a whole number >= 1");
        assertRefused(new String[]{ "--verbose" }, "unknown option '--verbose'");
    }

    private static void assertRefused(final String[] args, final String reason)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, StatMain.run(args, print(new ByteArrayOutputStream()), print(err)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(reason), err.toString(StandardCharsets.UTF_8));
    }

    private static PrintStream print(final ByteArrayOutputStream bytes)
    {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
