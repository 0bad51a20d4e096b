package io.pushengine.engine.sequencer;

import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Offers messages to the event stream without ever dropping one because of back pressure. When an offer is
 * back-pressured, the message, and every message after it, is kept in an outbox in order; the sequencer stops
 * taking new requests until {@link #retryPending()} has emptied it. The outbox therefore holds at most the few
 * messages produced by one request. Sequencer thread only.
 * <p>
 * {@code NOT_CONNECTED} (no edge listening) is not back pressure: the event is journaled, so an edge that connects
 * later can replay it; it is counted and not retried.
 */
final class EventStreamPublisher
{
    private static final int LENGTH_PREFIX = 4;

    private final Publication publication;
    private final AtomicCounter backPressured;
    private final AtomicCounter withoutSubscriber;
    private final ExpandableArrayBuffer outbox = new ExpandableArrayBuffer(4096);
    private int outboxHead;
    private int outboxTail;

    EventStreamPublisher(
        final Publication publication, final AtomicCounter backPressured, final AtomicCounter withoutSubscriber)
    {
        this.publication = publication;
        this.backPressured = backPressured;
        this.withoutSubscriber = withoutSubscriber;
    }

    boolean hasPending()
    {
        return outboxTail > outboxHead;
    }

    /**
     * Offer now, or queue behind what is already pending.
     */
    void send(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!hasPending() && tryOffer(buffer, offset, length))
        {
            return;
        }
        outbox.putInt(outboxTail, length);
        outbox.putBytes(outboxTail + LENGTH_PREFIX, buffer, offset, length);
        outboxTail += LENGTH_PREFIX + length;
    }

    /**
     * @return number of messages sent from the outbox.
     */
    int retryPending()
    {
        int sent = 0;
        while (hasPending())
        {
            final int length = outbox.getInt(outboxHead);
            if (!tryOffer(outbox, outboxHead + LENGTH_PREFIX, length))
            {
                return sent;
            }
            outboxHead += LENGTH_PREFIX + length;
            sent++;
        }
        outboxHead = 0;
        outboxTail = 0;
        return sent;
    }

    /**
     * @return true when the message is done with (sent, or nobody listening), false when it must be retried.
     */
    private boolean tryOffer(final DirectBuffer buffer, final int offset, final int length)
    {
        final long result = publication.offer(buffer, offset, length);
        if (result > 0)
        {
            return true;
        }
        if (result == Publication.NOT_CONNECTED)
        {
            withoutSubscriber.incrementRelease();
            return true;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            backPressured.incrementRelease();
            return false;
        }
        if (result == Publication.CLOSED)
        {
            return true;
        }
        throw new IllegalStateException("event stream offer failed: " + Publication.errorString(result));
    }
}
