package io.pushengine.engine;

import io.pushengine.codec.ProtocolDefaults;

/**
 * The engine's system properties and their defaults, in one place. {@link PushEngine.Context#conclude()} reads
 * them once; setters on the context win over properties.
 */
public final class EngineConfiguration
{
    /** Launch an Aeron media driver inside the engine (true) or connect to one already running (false). */
    public static final String EMBEDDED_DRIVER_PROP_NAME = "push.aeron.embedded.driver";
    /** Aeron directory. Default: a fresh directory per engine when embedded, Aeron's default otherwise. */
    public static final String AERON_DIR_PROP_NAME = "push.aeron.dir";
    /** Channel of the event stream (engine to edges). */
    public static final String EVENTS_CHANNEL_PROP_NAME = "push.events.channel";
    /** Channel of the ingress stream (edges and publishers to engine). */
    public static final String INGRESS_CHANNEL_PROP_NAME = "push.ingress.channel";
    /** Term buffer length of the embedded driver's publications, IPC and UDP; a publication maps three. */
    public static final String TERM_BUFFER_LENGTH_PROP_NAME = "push.aeron.term.buffer.length";
    public static final int TERM_BUFFER_LENGTH_DEFAULT = 4 * 1024 * 1024;
    /** Capacity in bytes of the in-process publish ring (power of two). */
    public static final String PUBLISH_RING_CAPACITY_PROP_NAME = "push.publish.ring.capacity";
    public static final int PUBLISH_RING_CAPACITY_DEFAULT = 1024 * 1024;
    /** Largest payload accepted, in bytes. */
    public static final String MAX_PAYLOAD_LENGTH_PROP_NAME = "push.max.payload.length";
    /** How long {@link PushEngine#publish} and {@link PushEngine#topic} wait for the sequencer. */
    public static final String PUBLISH_TIMEOUT_MS_PROP_NAME = "push.publish.timeout.ms";
    public static final long PUBLISH_TIMEOUT_MS_DEFAULT = 5_000;

    private EngineConfiguration()
    {
    }

    public static boolean embeddedDriver()
    {
        return Boolean.parseBoolean(System.getProperty(EMBEDDED_DRIVER_PROP_NAME, "true"));
    }

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

    public static int termBufferLength()
    {
        return Integer.getInteger(TERM_BUFFER_LENGTH_PROP_NAME, TERM_BUFFER_LENGTH_DEFAULT);
    }

    public static int publishRingCapacity()
    {
        return Integer.getInteger(PUBLISH_RING_CAPACITY_PROP_NAME, PUBLISH_RING_CAPACITY_DEFAULT);
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
