package io.pushengine.edge.fanout;

/**
 * Told, on the fan-out thread, when the engine acknowledges a publish request this edge forwarded.
 */
public interface PublishAckListener
{
    void onPublishAck(long correlationId, long globalSequence, String topicName, long topicSequence);

    /**
     * The engine refused a request of ours (its ingress requires a token that grants the topic).
     */
    void onPublishRefused(long correlationId, String reason);
}
