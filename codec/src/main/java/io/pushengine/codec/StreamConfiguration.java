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
}
