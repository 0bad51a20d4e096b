package io.pushengine.codec;

/**
 * System properties both ends of the Aeron streams read (engine, edges, publishers): defined once here so the two
 * sides cannot disagree about a name or a default. Role-specific properties live in each role's configuration.
 */
public final class StreamConfiguration
{
    /** Aeron directory of the media driver to use. */
    public static final String AERON_DIR_PROP_NAME = "push.aeron.dir";
    /** Channel of the event stream (engine to edges). */
    public static final String EVENTS_CHANNEL_PROP_NAME = "push.events.channel";
    /** Channel of the ingress stream (edges and publishers to engine). */
    public static final String INGRESS_CHANNEL_PROP_NAME = "push.ingress.channel";
    /** Largest payload accepted, in bytes. */
    public static final String MAX_PAYLOAD_LENGTH_PROP_NAME = "push.max.payload.length";
    /** How long a publisher waits for the engine's acknowledgement (journaled). */
    public static final String PUBLISH_TIMEOUT_MS_PROP_NAME = "push.publish.timeout.ms";
    public static final long PUBLISH_TIMEOUT_MS_DEFAULT = 5_000;

    private StreamConfiguration()
    {
    }

    /**
     * @return the configured Aeron directory, or null when not set.
     */
    public static String aeronDir()
    {
        return System.getProperty(AERON_DIR_PROP_NAME);
    }

    public static String eventsChannel()
    {
        return System.getProperty(EVENTS_CHANNEL_PROP_NAME, ProtocolDefaults.DEFAULT_CHANNEL);
    }

    public static String ingressChannel()
    {
        return System.getProperty(INGRESS_CHANNEL_PROP_NAME, ProtocolDefaults.DEFAULT_CHANNEL);
    }

    public static int maxPayloadLength()
    {
        return Integer.getInteger(MAX_PAYLOAD_LENGTH_PROP_NAME, ProtocolDefaults.DEFAULT_MAX_PAYLOAD_LENGTH);
    }

    public static long publishTimeoutMs()
    {
        return Long.getLong(PUBLISH_TIMEOUT_MS_PROP_NAME, PUBLISH_TIMEOUT_MS_DEFAULT);
    }

    /**
     * A secret given directly ({@code property}) or as a file ({@code fileProperty}: its content, surrounding
     * whitespace dropped), so it need not appear on a command line.
     *
     * @return the value, or null when neither is set.
     * @throws IllegalArgumentException when the file cannot be read.
     */
    public static String propertyOrFile(final String property, final String fileProperty)
    {
        final String value = System.getProperty(property);
        if (null != value && !value.isEmpty())
        {
            return value;
        }
        final String file = System.getProperty(fileProperty);
        if (null == file || file.isEmpty())
        {
            return null;
        }
        try
        {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + fileProperty + "=" + file + ": " + ex);
        }
    }
}
