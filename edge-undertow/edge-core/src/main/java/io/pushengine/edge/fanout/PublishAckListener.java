package io.pushengine.edge.fanout;

/**
 * Told, on the fan-out thread, when the engine acknowledges a publish request this edge forwarded.
 */
public interface PublishAckListener
{
    /**
     * For a fan-out whose transports send no publishes of their own correlation ids.
     */
    PublishAckListener NONE = new PublishAckListener()
    {
        public void onPublishAck(
            final long correlationId, final long globalSequence, final String topicName, final long topicSequence)
        {
        }

        public void onPublishRefused(final long correlationId, final String reason)
        {
        }
    };

    void onPublishAck(long correlationId, long globalSequence, String topicName, long topicSequence);

    /**
     * The engine refused a request of ours (its ingress requires a token that grants the topic).
     */
    void onPublishRefused(long correlationId, String reason);
}
