package io.pushengine.edge.fanout;

/**
 * Told, on the fan-out thread, when the engine acknowledges a publish request this edge forwarded.
 */
@FunctionalInterface
public interface PublishAckListener
{
    void onPublishAck(long correlationId, long globalSequence, String topicName, long topicSequence);
}
