package io.pushengine.codec.stream;

import io.pushengine.codec.sbe.EventDecoder;
import org.agrona.DirectBuffer;

/**
 * Callbacks from {@link EventStreamAdapter}, on the thread that polls the subscription.
 */
public interface EventStreamListener
{
    /**
     * A sequenced event. {@code event} is a flyweight valid only during the call; the message (header and body) is
     * {@code buffer[offset, offset + length)}, its body starts {@code MessageHeaderDecoder.ENCODED_LENGTH} later.
     */
    void onEvent(EventDecoder event, DirectBuffer buffer, int offset, int length);

    /**
     * A topic's stable number. Announced before its first event and again on {@code CatalogRequest}.
     */
    void onTopicDeclared(int topic, String topicName);

    /**
     * A {@code PublishRequest} with a non-zero correlation id was journaled.
     */
    default void onPublishAck(final long correlationId, final long globalSequence, final int topic, final long topicSequence)
    {
    }

    /**
     * The engine has answered a {@code CatalogRequest}: every topic it knows was announced before this.
     */
    default void onCatalogComplete(final long correlationId, final long lastGlobalSequence)
    {
    }

    /**
     * A fragment that is not a valid message of this protocol. Counted by the caller; never thrown.
     */
    default void onMalformedMessage(final int frameCheckResult, final int templateId)
    {
    }
}
