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
}
