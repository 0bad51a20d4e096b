package io.pushengine.edge.session;

/**
 * Message types in a connection's outbound ring (Agrona {@code OneToOneRingBuffer}: the fan-out agent writes, the
 * connection's IO thread reads).
 * <pre>
 *  EVENT    WebSocket: an SBE Event body (one Batch entry). SSE: a rendered "id/event/data" block.
 *  CONTROL  WebSocket: a whole SBE message sent as its own frame (Subscribed, Heartbeat, Error).
 *           SSE: text written as is (comment heartbeats).
 * </pre>
 */
public final class OutboundRingDescriptor
{
    public static final int EVENT_MSG_TYPE_ID = 1;
    public static final int CONTROL_MSG_TYPE_ID = 2;

    private OutboundRingDescriptor()
    {
    }
}
