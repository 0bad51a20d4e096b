package io.pushengine.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's arguments: each mistake is refused with a reason that says what to write instead.
 */
class LoadSettingsTest
{
    @Test
    void mistakesAreRefusedWithAReason()
    {
        assertRefused("unknown option --clients-count", "--clients-count=3");
        assertRefused("arguments are --name=value", "--clients");
        assertRefused("no clients", "--topics=3");
        assertRefused("unknown transport 'ws'", "--clients=ws=3");
        assertRefused("--topics-per-client exceeds --topics", "--clients=sse=1", "--topics=2", "--topics-per-client=3");
        assertRefused("needs --aeron-dir", "--clients=sse=1", "--target=http://127.0.0.1:8080");
        assertRefused("unknown scenario 'flood'", "--scenario=flood");
    }

    @Test
    void aScenarioGivesDefaultsThatOptionsOverride()
    {
        final LoadSettings settings = LoadSettings.parse(new String[]{ "--scenario=broadcast", "--rates=10,20" });
        assertEquals(1_000, settings.clients.get(LoadTransport.WEBSOCKET));
        assertEquals(java.util.List.of(10L, 20L), settings.rates);
        assertEquals(20.0, settings.p99BoundMs);
    }

    private static void assertRefused(final String reason, final String... args)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> LoadSettings.parse(args));
        assertTrue(ex.getMessage().contains(reason), ex.getMessage());
    }
}
