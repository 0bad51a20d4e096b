package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.session.EncodedEvent;

import java.util.function.Consumer;

/**
 * Snapshots on subscribe: a client that asks gets the cached current value of each topic it subscribes, between
 * {@code SnapshotBegin} and {@code SnapshotEnd} (as of the stream's position), in the same duty cycle as the
 * subscriptions, so nothing live comes between a value and the next update and nothing is sent twice. While any
 * snapshot's end is still to come the fan-out polls no live event ({@link #isOpen()}): a snapshot's commands may
 * arrive over more than one duty cycle (an IO thread offers them one by one). A snapshot is all or nothing: one that
 * does not fit the connection's ring closes it 1013, saying why, rather than leave the client a partial state it
 * cannot tell from a whole one. Fan-out thread only.
 */
final class SessionSnapshots
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final EncodedEvent encodedEvent = new EncodedEvent();
    private final LastValueCache lastValues;
    private final FanOutCounters counters;
    private final SessionDelivery delivery;
    private final Consumer<ClientSession> forget;
    private int open;

    /**
     * @param lastValues the latest event of each topic: the snapshot's values.
     * @param forget     takes a session out of the fan-out (a snapshot that does not fit closes it).
     */
    SessionSnapshots(
        final LastValueCache lastValues,
        final FanOutCounters counters,
        final SessionDelivery delivery,
        final Consumer<ClientSession> forget)
    {
        this.lastValues = lastValues;
        this.counters = counters;
        this.delivery = delivery;
        this.forget = forget;
    }

    /**
     * True while a snapshot has begun and its end is still to come: no live event may be polled.
     */
    boolean isOpen()
    {
        return open > 0;
    }

    /**
     * {@code SNAPSHOT_BEGIN}: queue the begin marker (not for a resuming session: it already has the state).
     */
    void begin(final ClientSession session, final long correlationId)
    {
        if (session.isClosed() || session.fanOutIndex() < 0 || session.isResuming())
        {
            return;
        }
        if (session.offerSnapshotBegin(correlationId))
        {
            session.inSnapshot(true);
            open++;
            delivery.queued(session);
        }
        else
        {
            doesNotFit(session);
        }
    }

    /**
     * A subscription made inside a snapshot: its topic's current value, if it has had an event.
     */
    void value(final TopicSubscription subscription)
    {
        final ClientSession session = subscription.session();
        if (!session.isInSnapshot())
        {
            return;
        }
        final TopicSubscribers topic = subscription.topic();
        final LastValueCache.Entry value = 0 == topic.number() ? null : lastValues.get(topic.number());
        if (null == value)
        {
            return; // no event on this topic yet
        }
        eventDecoder.wrapAndApplyHeader(value.buffer, 0, headerDecoder);
        if (delivery.offer(subscription, encodedEvent.wrap(eventDecoder, topic.name(), value.buffer, 0, value.length)))
        {
            session.snapshotValueSent();
            counters.snapshotValues().incrementRelease();
        }
        else
        {
            doesNotFit(session);
        }
    }

    /**
     * {@code SNAPSHOT_END}: the state sent is as of {@code asOfSequence}; live follows from there.
     */
    void end(final ClientSession session, final long correlationId, final long asOfSequence)
    {
        if (!session.isInSnapshot() || session.fanOutIndex() < 0)
        {
            return;
        }
        if (session.offerSnapshotEnd(correlationId, asOfSequence, session.snapshotValues()))
        {
            closed(session);
            if (asOfSequence > session.lastOfferedSequence())
            {
                session.lastOfferedSequence(asOfSequence);
            }
            counters.snapshots().incrementRelease();
            delivery.queued(session);
        }
        else
        {
            doesNotFit(session);
        }
    }

    /**
     * The session's snapshot is over (ended, or the session is gone mid-snapshot: its end will not come).
     */
    void closed(final ClientSession session)
    {
        if (session.isInSnapshot())
        {
            session.inSnapshot(false);
            open--;
        }
    }

    private void doesNotFit(final ClientSession session)
    {
        final int values = session.snapshotValues();
        closed(session);
        forget.accept(session);
        counters.slowConsumerDisconnects().increment(); // IO threads count here too
        session.requestClose(CloseCodes.TRY_AGAIN_LATER, "snapshot does not fit the connection's buffer " +
            "after " + values + " values: subscribe fewer topics per snapshot");
    }
}
