package io.pushengine.engine;

/**
 * The engine's own system properties and their defaults; those shared with edges are in
 * {@link io.pushengine.codec.StreamConfiguration}. {@link PushEngine.Context#conclude()} reads
 * them once; setters on the context win over properties.
 */
public final class EngineConfiguration
{
    /** Launch an Aeron media driver inside the engine (true) or connect to one already running (false). */
    public static final String EMBEDDED_DRIVER_PROP_NAME = "push.aeron.embedded.driver";
    /** Term buffer length of the embedded driver's publications, IPC and UDP; a publication maps three. */
    public static final String TERM_BUFFER_LENGTH_PROP_NAME = "push.aeron.term.buffer.length";
    public static final int TERM_BUFFER_LENGTH_DEFAULT = 4 * 1024 * 1024;
    /** Capacity in bytes of the in-process publish ring (power of two). */
    public static final String PUBLISH_RING_CAPACITY_PROP_NAME = "push.publish.ring.capacity";
    public static final int PUBLISH_RING_CAPACITY_DEFAULT = 1024 * 1024;

    /** HS256 key that publishes over the Aeron ingress must be signed with (their IngressAuthenticate token). */
    public static final String INGRESS_JWT_SECRET_PROP_NAME = "push.ingress.jwt.secret";
    /** A file holding that key (trailing newline dropped). */
    public static final String INGRESS_JWT_SECRET_FILE_PROP_NAME = "push.ingress.jwt.secret.file";

    private EngineConfiguration()
    {
    }

    public static boolean embeddedDriver()
    {
        return Boolean.parseBoolean(System.getProperty(EMBEDDED_DRIVER_PROP_NAME, "true"));
    }

    public static int termBufferLength()
    {
        return Integer.getInteger(TERM_BUFFER_LENGTH_PROP_NAME, TERM_BUFFER_LENGTH_DEFAULT);
    }

    public static int publishRingCapacity()
    {
        return Integer.getInteger(PUBLISH_RING_CAPACITY_PROP_NAME, PUBLISH_RING_CAPACITY_DEFAULT);
    }


    public static byte[] ingressJwtSecret()
    {
        final String secret = io.pushengine.codec.StreamConfiguration.propertyOrFile(
            INGRESS_JWT_SECRET_PROP_NAME, INGRESS_JWT_SECRET_FILE_PROP_NAME);
        return null == secret ? null : secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
