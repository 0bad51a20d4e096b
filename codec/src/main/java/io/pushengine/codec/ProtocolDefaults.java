package io.pushengine.codec;

/**
 * Stream ids and channels shared by the engine, its edges and publishers. Both sides of an Aeron stream must agree
 * on these, so they live with the protocol rather than with either side.
 */
public final class ProtocolDefaults
{
    /** Engine -> edges: {@code Event}, {@code TopicDeclared}, {@code PublishAck}. */
    public static final int EVENTS_STREAM_ID = 1001;

    /** Edges and publishers -> engine: {@code PublishRequest}, {@code CatalogRequest}. */
    public static final int INGRESS_STREAM_ID = 1002;

    /** Engine -> edges on the events channel: journal replays (ReplayBegin, Event..., ReplayEnd). */
    public static final int REPLAY_STREAM_ID = 1003;

    /** Edges -> engine on the ingress channel: ReplayRequest. */
    public static final int REPLAY_REQUEST_STREAM_ID = 1004;

    /** Default channel for both streams: shared memory between processes on one host. */
    public static final String DEFAULT_CHANNEL = "aeron:ipc";

    /** Largest payload accepted by default, in bytes. */
    public static final int DEFAULT_MAX_PAYLOAD_LENGTH = 4 * 1024;

    private ProtocolDefaults()
    {
    }
}
