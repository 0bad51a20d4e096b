package io.pushengine.app;

import io.pushengine.edge.EdgeServer;
import io.pushengine.engine.PushEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configuration a process is started with: a config file fills what {@code -D} left unset, and a bad file, a
 * dangling option or a key too short for HS256 stops the start with a reason instead of running half-configured.
 */
class ConfigurationErrorsTest
{
    @TempDir
    File dir;

    @Test
    void configFileFillsWhatTheCommandLineLeftUnset() throws Exception
    {
        final File file = new File(dir, "edge.properties");
        Files.writeString(file.toPath(), "push.test.from.file=file\npush.test.both=file\n", StandardCharsets.UTF_8);
        System.setProperty("push.test.both", "command line");
        try
        {
            assertEquals(List.of("edge"), RoleConfiguration.apply(new String[]{ "edge", "--config", file.getPath() }));
            assertEquals("file", System.getProperty("push.test.from.file"));
            assertEquals("command line", System.getProperty("push.test.both"), "-D wins over the file");
        }
        finally
        {
            System.clearProperty("push.test.from.file");
            System.clearProperty("push.test.both");
        }
    }

    @Test
    void missingFileOrDanglingOptionIsRefusedWithAReason()
    {
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> RoleConfiguration.apply(new String[]{ "engine", "--config", new File(dir, "nope").getPath() }));
        assertTrue(missing.getMessage().startsWith("cannot read config file"), missing.getMessage());
        final IllegalArgumentException dangling = assertThrows(IllegalArgumentException.class,
            () -> RoleConfiguration.apply(new String[]{ "engine", "--config" }));
        assertTrue(dangling.getMessage().contains("needs a file"), dangling.getMessage());
    }

    @Test
    void keysTooShortForHs256AreRefused()
    {
        final byte[] shortKey = "only-16-bytes-!!".getBytes(StandardCharsets.US_ASCII);
        final IllegalArgumentException edge = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().jwtSecret(shortKey).conclude());
        assertTrue(edge.getMessage().contains("at least 32 bytes"), edge.getMessage());
        final IllegalArgumentException engine = assertThrows(IllegalArgumentException.class,
            () -> new PushEngine.Context().journalDir(dir).ingressJwtSecret(shortKey).conclude());
        assertTrue(engine.getMessage().contains("at least 32 bytes"), engine.getMessage());
    }

    @Test
    void ringSizesThatAreNotPowersOfTwoAreRefused()
    {
        final IllegalArgumentException initial = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().initialRingCapacity(3000).conclude());
        assertTrue(initial.getMessage().contains("push.edge.ring.initial.capacity must be a power of two"),
            initial.getMessage());
        final IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().initialRingCapacity(512).conclude());
        assertTrue(tooSmall.getMessage().contains("at least 1024"), tooSmall.getMessage());
        final IllegalArgumentException ring = assertThrows(IllegalArgumentException.class,
            () -> new EdgeServer.Context().ringCapacity(100_000).conclude());
        assertTrue(ring.getMessage().contains("push.edge.ring.capacity must be a power of two"), ring.getMessage());
        assertEquals(64 * 1024, new EdgeServer.Context().ringCapacity(64 * 1024).initialRingCapacity(128 * 1024)
            .conclude().initialRingCapacity(), "a first ring larger than the ring is the ring");
    }
}
