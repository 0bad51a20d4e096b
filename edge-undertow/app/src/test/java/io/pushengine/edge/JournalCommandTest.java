package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushengine.app.JournalMain;
import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code push-engine.jar journal}: the journal of a running engine as JSON lines, from a sequence, for a topic or a
 * prefix; a sequence past the end, a missing or foreign directory, or a bad option is a clear message and exit 2.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JournalCommandTest
{
    private final ObjectMapper mapper = new ObjectMapper();

    @TempDir
    File journalDir;

    @TempDir
    File notAJournal;

    @Test
    void printsEventsAsJsonLinesFromASequenceAndForATopic() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            for (int i = 1; i <= 5; i++)
            {
                push.engine.publish("orders.a", PayloadType.JSON, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                push.engine.publish("prices.b", PayloadType.TEXT, ("t" + i).getBytes(StandardCharsets.UTF_8));
            }

            final List<JsonNode> all = lines(run(0, "--dir", journalDir.getPath()));
            assertEquals(10, all.size());
            for (int i = 0; i < 10; i++)
            {
                assertEquals(i + 1, all.get(i).get("sequence").asLong(), "in journal order");
            }
            assertEquals(5, all.get(8).get("payload").get("n").asInt());
            assertEquals("t5", all.get(9).get("payload").asText());

            final List<JsonNode> orders = lines(run(0, "--dir", journalDir.getPath(), "--from", "4", "--topic",
                "orders.*"));
            assertEquals(List.of(5L, 7L, 9L), sequences(orders), "orders.* from sequence 4");

            final List<JsonNode> two = lines(run(0, "--dir", journalDir.getPath(), "--topic", "prices.b",
                "--count", "2"));
            assertEquals(List.of(2L, 4L), sequences(two));
        }
    }

    @Test
    void pastTheEndMissingOrForeignDirectoryOrBadOptionIsAClearMessage() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            push.engine.publish("t", PayloadType.TEXT, "x".getBytes(StandardCharsets.UTF_8));
            assertTrue(run(2, "--dir", journalDir.getPath(), "--from", "50")[1]
                .contains("the journal ends at sequence 1: nothing from 50"));
        }
        assertTrue(run(2, "--dir", new File(notAJournal, "absent").getPath())[1].contains("no journal at"));
        assertTrue(run(2, "--dir", notAJournal.getPath())[1].contains("is not a push journal"));
        assertTrue(run(2, "--from", "-3")[1].contains("--from must be a whole number >= 1"));
        assertTrue(run(2, "--tail")[1].contains("unknown option '--tail'"));
    }

    /**
     * @return {out, err}.
     */
    private static String[] run(final int expectedExit, final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = JournalMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        final String[] texts = { out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) };
        assertEquals(expectedExit, exit, texts[1]);
        return texts;
    }

    private List<JsonNode> lines(final String[] texts) throws Exception
    {
        final List<JsonNode> nodes = new ArrayList<>();
        for (final String line : texts[0].split("\n"))
        {
            if (!line.isEmpty())
            {
                nodes.add(mapper.readTree(line)); // every line is one JSON value
            }
        }
        return nodes;
    }

    private static List<Long> sequences(final List<JsonNode> nodes)
    {
        return nodes.stream().map(node -> node.get("sequence").asLong()).toList();
    }
}
