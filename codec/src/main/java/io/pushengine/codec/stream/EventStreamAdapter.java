package io.pushengine.codec.stream;

import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.sbe.CatalogCompleteDecoder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.LastValueDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PublishAckDecoder;
import io.pushengine.codec.sbe.PublishRefusedDecoder;
import io.pushengine.codec.sbe.StreamHeartbeatDecoder;
import io.pushengine.codec.sbe.TopicDeclaredDecoder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * Decodes the engine's event stream and dispatches to an {@link EventStreamListener}. Keeps the topic catalog
 * (number to name) so listeners can name topics without a lookup of their own.
 * <p>
 * Watches the stream's continuity: an event whose global sequence is beyond the next expected is reported to
 * {@link EventStreamListener#onSequenceGap(long, long)} before it is delivered, and may be held (left in the stream)
 * while the listener fetches the missing range from the journal; a change of the publishing engine's Aeron session
 * (the engine restarted, or an edge moved to another member of a cluster) is reported to
 * {@link EventStreamListener#onEngineSession(int)}. An event at or below the highest sequence already taken (a
 * cluster member behind the one the stream came from before) is a copy: it is passed to
 * {@link EventStreamListener#onDuplicateEvent(long)} and not delivered, so nothing is delivered twice.
 * <p>
 * Not thread-safe: poll from one thread, as with the Aeron {@link Subscription} it wraps.
 */
public final class EventStreamAdapter implements ControlledFragmentHandler
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final TopicDeclaredDecoder topicDeclaredDecoder = new TopicDeclaredDecoder();
    private final PublishAckDecoder publishAckDecoder = new PublishAckDecoder();
    private final PublishRefusedDecoder publishRefusedDecoder = new PublishRefusedDecoder();
    private final CatalogCompleteDecoder catalogCompleteDecoder = new CatalogCompleteDecoder();
    private final LastValueDecoder lastValueDecoder = new LastValueDecoder();
    private final StreamHeartbeatDecoder streamHeartbeatDecoder = new StreamHeartbeatDecoder();
    private final MessageHeaderDecoder lastValueHeaderDecoder = new MessageHeaderDecoder();
    private final Int2ObjectHashMap<String> topicNameByNumber = new Int2ObjectHashMap<>();
    private final ControlledFragmentAssembler fragmentAssembler = new ControlledFragmentAssembler(this);
    private Subscription subscription;
    private final EventStreamListener listener;
    private long lastGlobalSequence;
    private int engineSessionId;
    private boolean hasEngineSession;

    public EventStreamAdapter(final Subscription subscription, final EventStreamListener listener)
    {
        this.subscription = subscription;
        this.listener = listener;
    }

    /**
     * Poll the subscription, reassembling fragmented messages.
     *
     * @return number of fragments read.
     */
    public int poll(final int fragmentLimit)
    {
        return subscription.controlledPoll(fragmentAssembler, fragmentLimit);
    }

    /**
     * @return name of a declared topic, or null if not (yet) declared.
     */
    public String topicName(final int topic)
    {
        return topicNameByNumber.get(topic);
    }

    /**
     * @return the highest global sequence seen on the stream, 0 before the first event.
     */
    public long lastGlobalSequence()
    {
        return lastGlobalSequence;
    }

    /**
     * Events up to {@code sequence} were delivered to the listener by other means (a journal replay of a gap, or a
     * catalog answer that says where the engine is): continuity is checked from the next one.
     */
    public void advanceTo(final long sequence)
    {
        if (sequence > lastGlobalSequence)
        {
            lastGlobalSequence = sequence;
        }
    }

    public Subscription subscription()
    {
        return subscription;
    }

    /**
     * Read another subscription from now on (an edge that moves to another cluster member): the position and the
     * catalog carry over; the first message from the new source is reported as a new engine session.
     */
    public void subscription(final Subscription subscription)
    {
        this.subscription = subscription;
    }

    public Action onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int sessionId = header.sessionId();
        if (!hasEngineSession || sessionId != engineSessionId)
        {
            final boolean restarted = hasEngineSession;
            hasEngineSession = true;
            engineSessionId = sessionId;
            if (restarted)
            {
                listener.onEngineSession(sessionId);
            }
        }

        final int check = FrameCheck.check(headerDecoder, buffer, offset, length);
        if (FrameCheck.OK != check)
        {
            listener.onMalformedMessage(check, -1);
            return Action.CONTINUE;
        }

        final int templateId = headerDecoder.templateId();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (templateId)
        {
            case EventDecoder.TEMPLATE_ID:
            {
                eventDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                final long sequence = eventDecoder.globalSequence();
                if (sequence <= lastGlobalSequence)
                {
                    listener.onDuplicateEvent(sequence);
                    break;
                }
                if (lastGlobalSequence > 0 && sequence > lastGlobalSequence + 1 &&
                    listener.onSequenceGap(lastGlobalSequence, sequence))
                {
                    return Action.ABORT; // held: polled again once the listener has filled the gap
                }
                lastGlobalSequence = sequence;
                listener.onEvent(eventDecoder, buffer, offset, length);
                break;
            }

            case LastValueDecoder.TEMPLATE_ID:
            {
                lastValueDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                final int eventLength = lastValueDecoder.eventMessageLength();
                final int eventOffset = lastValueDecoder.limit() + LastValueDecoder.eventMessageHeaderLength();
                final int eventCheck = eventOffset + eventLength > offset + length ? FrameCheck.TOO_SHORT :
                    FrameCheck.check(lastValueHeaderDecoder, buffer, eventOffset, eventLength);
                if (FrameCheck.OK != eventCheck || lastValueHeaderDecoder.templateId() != EventDecoder.TEMPLATE_ID)
                {
                    listener.onMalformedMessage(eventCheck, templateId);
                    break;
                }
                eventDecoder.wrap(buffer, eventOffset + MessageHeaderDecoder.ENCODED_LENGTH,
                    lastValueHeaderDecoder.blockLength(), lastValueHeaderDecoder.version());
                listener.onLastValue(eventDecoder, buffer, eventOffset, eventLength);
                break;
            }

            case TopicDeclaredDecoder.TEMPLATE_ID:
            {
                topicDeclaredDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                final int topic = topicDeclaredDecoder.topic();
                String name = topicNameByNumber.get(topic);
                if (null == name)
                {
                    name = topicDeclaredDecoder.topicName();
                    topicNameByNumber.put(topic, name);
                }
                listener.onTopicDeclared(topic, name);
                break;
            }

            case PublishAckDecoder.TEMPLATE_ID:
                publishAckDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onPublishAck(
                    publishAckDecoder.correlationId(),
                    publishAckDecoder.globalSequence(),
                    publishAckDecoder.topic(),
                    publishAckDecoder.topicSequence());
                break;

            case PublishRefusedDecoder.TEMPLATE_ID:
                publishRefusedDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onPublishRefused(publishRefusedDecoder.correlationId(), publishRefusedDecoder.reason());
                break;

            case StreamHeartbeatDecoder.TEMPLATE_ID:
                streamHeartbeatDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onStreamHeartbeat(streamHeartbeatDecoder.lastGlobalSequence());
                break;

            case CatalogCompleteDecoder.TEMPLATE_ID:
                catalogCompleteDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onCatalogComplete(
                    catalogCompleteDecoder.correlationId(), catalogCompleteDecoder.lastGlobalSequence());
                break;

            default:
                listener.onMalformedMessage(FrameCheck.OK, templateId);
                break;
        }
        return Action.CONTINUE;
    }
}
