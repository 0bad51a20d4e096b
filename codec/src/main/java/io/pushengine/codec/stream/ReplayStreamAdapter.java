package io.pushengine.codec.stream;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.ReplayBeginDecoder;
import io.pushengine.codec.sbe.ReplayEndDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes the engine's replay stream ({@code ReplayBegin}, {@code Event}..., {@code ReplayEnd}) for a
 * {@link ReplayStreamListener}. Not thread-safe: poll from one thread.
 */
public final class ReplayStreamAdapter implements FragmentHandler
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final ReplayBeginDecoder beginDecoder = new ReplayBeginDecoder();
    private final ReplayEndDecoder endDecoder = new ReplayEndDecoder();
    private final FragmentAssembler fragmentAssembler = new FragmentAssembler(this);
    private Subscription subscription;
    private final ReplayStreamListener listener;

    public ReplayStreamAdapter(final Subscription subscription, final ReplayStreamListener listener)
    {
        this.subscription = subscription;
        this.listener = listener;
    }

    /**
     * Read another subscription from now on (an edge that moves to another cluster member).
     */
    public void subscription(final Subscription subscription)
    {
        this.subscription = subscription;
    }

    public Subscription subscription()
    {
        return subscription;
    }

    public int poll(final int fragmentLimit)
    {
        return subscription.poll(fragmentAssembler, fragmentLimit);
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length))
        {
            return;
        }
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (headerDecoder.templateId())
        {
            case EventDecoder.TEMPLATE_ID:
                eventDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onReplayedEvent(eventDecoder, buffer, offset, length);
                break;

            case ReplayBeginDecoder.TEMPLATE_ID:
                beginDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onReplayBegin(beginDecoder.correlationId());
                break;

            case ReplayEndDecoder.TEMPLATE_ID:
                endDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                listener.onReplayEnd(endDecoder.correlationId(), endDecoder.lastSequence(),
                    endDecoder.oldestRetained(), 1 == endDecoder.tooOld());
                break;

            default:
                break;
        }
    }
}
