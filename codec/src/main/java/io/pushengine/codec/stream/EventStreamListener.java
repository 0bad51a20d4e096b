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
     * A {@code PublishRequest} with a non-zero correlation id was refused (its session is not authenticated for
     * the topic); nothing was sequenced.
     */
    default void onPublishRefused(final long correlationId, final String reason)
    {
    }

    /**
     * The engine has answered a {@code CatalogRequest}: every topic it knows was announced before this.
     */
    default void onCatalogComplete(final long correlationId, final long lastGlobalSequence)
    {
    }

    /**
     * The newest event of a topic as of this point of the stream, sent with a catalog answer: not a new event, but
     * the value a last-value cache should hold if it has nothing newer. Same layout as {@link #onEvent}.
     */
    default void onLastValue(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * The next event's sequence is beyond the next expected: events {@code (lastSequence, nextSequence)} never
     * arrived (lost by the transport, or sent by an engine that stopped before this subscriber saw them).
     *
     * @return true to hold the event (it is delivered on a later poll, after the listener has called
     * {@link EventStreamAdapter#advanceTo(long)}), false to deliver it now and accept the gap.
     */
    default boolean onSequenceGap(final long lastSequence, final long nextSequence)
    {
        return false;
    }

    /**
     * The stream now comes from another Aeron session than before: the engine was restarted.
     */
    default void onEngineSession(final int sessionId)
    {
    }

    /**
     * A fragment that is not a valid message of this protocol. Counted by the caller; never thrown.
     */
    default void onMalformedMessage(final int frameCheckResult, final int templateId)
    {
    }

    /**
     * An event at or below the highest global sequence already delivered: a copy (from a cluster member that is
     * behind the one the stream came from before), not delivered again.
     */
    default void onDuplicateEvent(final long globalSequence)
    {
    }

    /**
     * A cluster member that has sent nothing for a while says it is alive and where it is.
     */
    default void onStreamHeartbeat(final long lastGlobalSequence)
    {
    }
}
