package io.pushengine.codec.stream;

import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.sbe.CatalogCompleteDecoder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PublishAckDecoder;
import io.pushengine.codec.sbe.TopicDeclaredDecoder;
import io.aeron.FragmentAssembler;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * Decodes the engine's event stream and dispatches to an {@link EventStreamListener}. Keeps the topic catalog
 * (number to name) so listeners can name topics without a lookup of their own.
 * <p>
 * Not thread-safe: poll from one thread, as with the Aeron {@link Subscription} it wraps.
 */
public final class EventStreamAdapter implements FragmentHandler
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final TopicDeclaredDecoder topicDeclaredDecoder = new TopicDeclaredDecoder();
    private final PublishAckDecoder publishAckDecoder = new PublishAckDecoder();
    private final CatalogCompleteDecoder catalogCompleteDecoder = new CatalogCompleteDecoder();
    private final Int2ObjectHashMap<String> topicNameByNumber = new Int2ObjectHashMap<>();
    private final FragmentAssembler fragmentAssembler = new FragmentAssembler(this);
    private final Subscription subscription;
    private final EventStreamListener listener;
    private long lastGlobalSequence;

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
        return subscription.poll(fragmentAssembler, fragmentLimit);
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

    public Subscription subscription()
    {
        return subscription;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int check = FrameCheck.check(headerDecoder, buffer, offset, length);
        if (FrameCheck.OK != check)
        {
            listener.onMalformedMessage(check, -1);
            return;
        }

        final int templateId = headerDecoder.templateId();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (templateId)
        {
            case EventDecoder.TEMPLATE_ID:
                eventDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                lastGlobalSequence = eventDecoder.globalSequence();
                listener.onEvent(eventDecoder, buffer, offset, length);
                break;

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

            case CatalogCompleteDecoder.TEMPLATE_ID:
                catalogCompleteDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onCatalogComplete(
                    catalogCompleteDecoder.correlationId(), catalogCompleteDecoder.lastGlobalSequence());
                break;

            default:
                listener.onMalformedMessage(FrameCheck.OK, templateId);
                break;
        }
    }
}
