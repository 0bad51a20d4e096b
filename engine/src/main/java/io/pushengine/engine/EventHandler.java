package io.pushengine.engine;

import io.pushengine.codec.sbe.PayloadType;
import org.agrona.DirectBuffer;

/**
 * Receives events from an {@link EventSubscription}, on the subscription's thread. The payload buffer is only
 * valid during the call: copy what you keep.
 */
@FunctionalInterface
public interface EventHandler
{
    /**
     * @param topicName null only if the topic's declaration has not reached this subscriber yet.
     */
    void onEvent(
        long globalSequence,
        String topicName,
        long topicSequence,
        long timestampNs,
        PayloadType payloadType,
        DirectBuffer payload,
        int offset,
        int length);
}
