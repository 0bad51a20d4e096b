package io.pushengine.app;

import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.engine.EngineConfiguration;
import io.pushengine.engine.MediaDriverIdle;

import java.util.UUID;

/**
 * The media driver of an {@code edge} or {@code publisher} role process: its own, in its own directory (so several
 * roles can share a host), unless {@code push.aeron.embedded.driver=false}, when the role attaches to the driver
 * at {@code push.aeron.dir} (e.g. the engine's, to use {@code aeron:ipc} on the engine's host).
 */
final class EmbeddedMediaDriver
{
    private EmbeddedMediaDriver()
    {
    }

    /**
     * @return the driver launched, or null when the role attaches to a running one.
     */
    static MediaDriver launchIfConfigured(final String role)
    {
        if (!EngineConfiguration.embeddedDriver())
        {
            return null;
        }
        final String dir = null != StreamConfiguration.aeronDir() ? StreamConfiguration.aeronDir() :
            CommonContext.getAeronDirectoryName() + "-push-" + role + "-" + UUID.randomUUID();
        final int termLength = EngineConfiguration.termBufferLength();
        return MediaDriver.launch(MediaDriverIdle.quietWhenIdle(new MediaDriver.Context()
            .aeronDirectoryName(dir)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(ThreadingMode.SHARED)
            .ipcTermBufferLength(termLength)
            .publicationTermBufferLength(termLength), null));
    }

    /**
     * @return the launched driver's directory, or null to let the role's context take its default
     * ({@code push.aeron.dir}, else Aeron's).
     */
    static String aeronDirectoryName(final MediaDriver driver)
    {
        return null == driver ? null : driver.aeronDirectoryName();
    }
}
