package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.EncodedEvent;
import org.agrona.concurrent.CachedNanoClock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The delivery policies and what they hold back: how a live event reaches each subscription when its connection
 * has room and when it has not, and the re-sends the policies owe (latest values for CONFLATE and THROTTLE when due,
 * gap notices for DROP), sent as the rings allow. Owns the sessions with something pending; each subscription's
 * pending state is on its {@link TopicSubscription}. Fan-out thread only, on the fan-out's clock.
 */
final class DeliveryPolicies implements SessionDelivery
{
    private enum PendingOutcome
    {
        DONE, NOT_DUE, BLOCKED
    }

    private static final int INSERTION_SORT_MAX = 16;
    private static final int PLACE_BITS = 21; // sequences below 2^42 (4.4 trillion events) pack with a place
    private static final long PLACE_MASK = (1L << PLACE_BITS) - 1;

    private final List<ClientSession> withPending = new ArrayList<>();
    private long[] sortKeys = new long[0];
    private TopicSubscription[] sortScratch = new TopicSubscription[0];
    private final MessageHeaderDecoder lastValueHeaderDecoder = new MessageHeaderDecoder();
    private final EventDecoder lastValueDecoder = new EventDecoder();
    private final EncodedEvent encodedEvent = new EncodedEvent();
    private LastValueCache.Entry wrappedLastValue; // what encodedEvent holds now, while its sequence is this
    private long wrappedLastValueSequence;
    private final LastValueCache lastValues;
    private final FanOutCounters counters;
    private final CachedNanoClock clock;
    private final Consumer<ClientSession> markDirty;
    private final List<ClientSession> slow;
    private final ThrottleSchedule throttleSchedule = new ThrottleSchedule();
    private final Consumer<TopicSubscription> releaseHeld = this::releaseHeld;

    /**
     * @param lastValues the latest event of each topic (what CONFLATE and THROTTLE send when they can).
     * @param clock      the fan-out's time, updated once per duty cycle.
     * @param markDirty  signals a session's IO thread at the end of the duty cycle.
     * @param slow       where DISCONNECT sessions without room go, for the fan-out to close (and a conflating one
     *                   whose shared-log segment could not be ended).
     */
    DeliveryPolicies(
        final LastValueCache lastValues,
        final FanOutCounters counters,
        final CachedNanoClock clock,
        final Consumer<ClientSession> markDirty,
        final List<ClientSession> slow)
    {
        this.lastValues = lastValues;
        this.counters = counters;
        this.clock = clock;
        this.markDirty = markDirty;
        this.slow = slow;
    }

    /**
     * True while a policy holds something back (a THROTTLE value until it is due included): its re-send is due by
     * time or by room, not by a wake-up.
     */
    boolean hasWork()
    {
        return !withPending.isEmpty() || throttleSchedule.hasHeld();
    }

    /**
     * A held THROTTLE value fell due: it is pending now, and this duty cycle's re-send pass sends it in order with
     * whatever else its connection is owed.
     */
    private void releaseHeld(final TopicSubscription subscription)
    {
        if (subscription.isActive() && BackpressurePolicy.THROTTLE == subscription.kind())
        {
            markPending(subscription);
        }
    }

    /**
     * The session is gone: nothing more is owed to it.
     */
    void remove(final ClientSession session)
    {
        if (session.isInPendingList() && withPending.remove(session)) // most are not: no search of the list
        {
            session.clearInPendingList();
        }
    }

    public void queued(final ClientSession session)
    {
        session.offered(clock.nanoTime());
        markDirty.accept(session);
    }

    /**
     * Deliver a live event to a subscription under its policy: DISCONNECT (into the ring or the shared log, else the
     * session is too slow and joins {@code slow}), CONFLATE (into the ring or the shared log while the session is
     * less than its ring capacity behind, else held as the latest value while it lags),
     * DROP (the missed range reported before the next event), THROTTLE (at most the subscription's rate, the latest
     * value when due).
     *
     * @param length the event's encoded length (THROTTLE's byte budget).
     * @return true if the event was given to the session now.
     */
    boolean deliver(final TopicSubscription subscription, final EncodedEvent encoded, final int length)
    {
        final ClientSession session = subscription.session();
        switch (subscription.kind())
        {
            case DISCONNECT:
                if (session.isInSharedLog() || session.tryEnterSharedLog(encoded.globalSequence()))
                {
                    offered(subscription, encoded); // it reads the event from the log
                    return true;
                }
                if (offer(subscription, encoded))
                {
                    return true;
                }
                slow.add(session);
                return false;

            case CONFLATE:
                if (!session.isLagging() && session.hasRoomWithoutLagging(encoded.globalSequence(), length))
                {
                    if (session.isInSharedLog() || session.tryEnterSharedLog(encoded.globalSequence()))
                    {
                        offered(subscription, encoded); // it reads the event from the log
                        return true;
                    }
                    if (offer(subscription, encoded))
                    {
                        return true;
                    }
                }
                if (session.isInSharedLog())
                {
                    // the event is in the log already and the IO thread may have read it: the segment ends after
                    // it, never before (an end before an appended event can reach the IO thread after it read the
                    // event, which then went out twice: from the log and as the latest value); the next event
                    // finds the connection out of the log, behind by its backlog there, and lags
                    if (!session.leaveSharedLogNow())
                    {
                        slow.add(session);
                        return false;
                    }
                    offered(subscription, encoded);
                    return true;
                }
                session.lagging(true); // newer events of its conflating topics wait as latest values
                markPending(subscription);
                counters.conflated().incrementRelease();
                return false;

            case DROP:
                if (session.isInSharedLog() ||
                    (!subscription.hasGap() && session.tryEnterSharedLog(encoded.globalSequence())))
                {
                    offered(subscription, encoded); // it reads the event from the log; its IO thread reports a lap
                    return true;
                }
                return deliverOrDrop(subscription, encoded);

            case THROTTLE:
            {
                final long nowNs = clock.nanoTime();
                if (nowNs - subscription.nextDueNs < 0)
                {
                    if (!subscription.pending)
                    {
                        throttleSchedule.hold(subscription); // made pending when due: nothing to do till then
                    }
                }
                else if (!session.isLagging() && session.tryChargeBytes(length, nowNs) &&
                    offerThrottled(subscription, encoded))
                {
                    throttleSchedule.sent(subscription, nowNs);
                    return true;
                }
                else
                {
                    markPending(subscription); // due, but the connection has no room or byte budget now
                }
                counters.throttled().incrementRelease();
                return false;
            }
        }
        return false;
    }

    /**
     * A live subscription's policy changed (a client's UpdateSubscription: its own policy or a throttle) from
     * {@code previous}: what the old policy held back keeps the new one's contract.
     * <ul>
     * <li>To DROP with a latest value still owed (THROTTLE, CONFLATE): the client never had the topic's events from
     * its last one through that value, so they become the gap it is told of before the next event.</li>
     * <li>From DROP with a gap not yet reported: the gap still goes first (a client must learn what it lost while it
     * dropped); the connection lags meanwhile, so no live event of a conflating or throttled topic overtakes it.</li>
     * </ul>
     */
    void policyChanged(final TopicSubscription subscription, final BackpressurePolicy previous)
    {
        if (subscription.held)
        {
            markPending(subscription); // owed under the new policy now (a new throttle's first value is due at once)
        }
        final BackpressurePolicy kind = subscription.kind();
        if (kind == previous || !subscription.pending)
        {
            return;
        }
        if (BackpressurePolicy.DROP == kind)
        {
            final LastValueCache.Entry lastValue = lastValueOf(subscription.topic());
            if (null != lastValue && lastValue.globalSequence > subscription.lastSentSequence && !subscription.hasGap())
            {
                final long topicSequence = encodedLastValue(subscription.topic(), lastValue).topicSequence();
                if (topicSequence > subscription.lastSentTopicSequence)
                {
                    subscription.addToGap(subscription.lastSentSequence + 1, subscription.lastSentTopicSequence + 1);
                    subscription.addToGap(lastValue.globalSequence, topicSequence);
                }
            }
        }
        else if (BackpressurePolicy.DROP == previous && subscription.hasGap())
        {
            subscription.session().lagging(true);
        }
    }

    /**
     * THROTTLE: a live event the subscription is due: released to the connection in the shared log it reads (or
     * starts reading at this event), so its IO thread reads it there; else copied into its ring.
     *
     * @return false only if the session's ring is full.
     */
    private boolean offerThrottled(final TopicSubscription subscription, final EncodedEvent encoded)
    {
        final ClientSession session = subscription.session();
        if (session.isInSharedLog() || session.tryEnterSharedLog(encoded.globalSequence()))
        {
            session.releaseInSharedLog(subscription.topic().number(), encoded.globalSequence());
            offered(subscription, encoded);
            return true;
        }
        return offer(subscription, encoded);
    }

    /**
     * Offer an event to a subscription and record it as sent.
     *
     * @return false only if the session's ring is full.
     */
    public boolean offer(final TopicSubscription subscription, final EncodedEvent encoded)
    {
        if (!subscription.session().offerEvent(encoded))
        {
            return false;
        }
        offered(subscription, encoded);
        return true;
    }

    /**
     * An event is on its way to the subscription's connection (in its ring, or in the shared log it reads): record
     * it and signal the connection at the end of the duty cycle.
     */
    void offered(final TopicSubscription subscription, final EncodedEvent encoded)
    {
        final ClientSession session = subscription.session();
        final long globalSequence = encoded.globalSequence();
        subscription.lastSentSequence = globalSequence;
        subscription.lastSentTopicSequence = encoded.topicSequence();
        subscription.pending = false;
        subscription.resendByCopy = false;
        throttleSchedule.unhold(subscription); // given a value otherwise (a snapshot, a resume): it supersedes
        if (globalSequence > session.lastOfferedSequence())
        {
            session.lastOfferedSequence(globalSequence);
        }
        session.mayWaitFor(subscription.batchWindowMs());
        queued(session);
    }

    /**
     * DROP: a gap not yet reported goes first (the client must learn of it before the next event of the topic);
     * while neither fits, the event joins the gap.
     */
    private boolean deliverOrDrop(final TopicSubscription subscription, final EncodedEvent encoded)
    {
        if ((!subscription.hasGap() || offerGap(subscription)) && offer(subscription, encoded))
        {
            return true;
        }
        subscription.addToGap(encoded.globalSequence(), encoded.topicSequence());
        markPending(subscription);
        counters.dropped().increment(); // atomic: IO threads add what they find dropped in the shared log
        return false;
    }

    private boolean offerGap(final TopicSubscription subscription)
    {
        final ClientSession session = subscription.session();
        final TopicSubscribers topic = subscription.topic();
        if (!session.offerGap(topic.number(), topic.name(), subscription.gapFromSequence,
            subscription.gapToSequence, subscription.gapFromTopicSequence, subscription.gapToTopicSequence))
        {
            return false;
        }
        subscription.lastSentTopicSequence = subscription.gapToTopicSequence; // it knows up to here
        subscription.clearGap();
        queued(session);
        counters.gapNotices().increment(); // atomic: IO threads count the gaps they find in the shared log
        return true;
    }

    private void markPending(final TopicSubscription subscription)
    {
        throttleSchedule.unhold(subscription);
        if (!subscription.pending)
        {
            subscription.pending = true;
            final ClientSession session = subscription.session();
            session.addPendingSubscription(subscription);
            if (session.markInPendingList())
            {
                withPending.add(session);
            }
        }
    }

    /**
     * A conflating connection's IO thread skipped events of the shared log its cursor was lapped on (the client was
     * not reading), or a throttled one found a release overwritten before it read it: for each of its conflating or
     * throttled topics whose latest event is among them, that value is owed again and sent as room (and the
     * throttle's next slot) allows. A topic whose latest event the client has had, or will read after the skip,
     * owes nothing, so none is sent twice.
     *
     * @return true if a report was taken.
     */
    boolean takeLappedReport(final ClientSession session)
    {
        final boolean endAsked = endSegmentIfAsked(session);
        final boolean releasesSkipped = takeReleasesSkipped(session);
        final long from = session.lappedFromSequence();
        if (from < 0)
        {
            return endAsked || releasesSkipped;
        }
        final long to = session.lappedToSequence();
        final List<TopicSubscription> subscriptions = session.subscriptions();
        for (int i = 0, size = subscriptions.size(); i < size; i++)
        {
            final TopicSubscription subscription = subscriptions.get(i);
            final LastValueCache.Entry lastValue = lastValueOf(subscription.topic());
            if (BackpressurePolicy.CONFLATE == subscription.kind() && null != lastValue &&
                lastValue.globalSequence >= from && lastValue.globalSequence <= to &&
                subscription.lastSentSequence >= lastValue.globalSequence)
            {
                subscription.lastSentSequence = from - 1; // it never got it
                markPending(subscription);
            }
        }
        counters.sharedLogSkips().incrementRelease();
        session.lappedReportTaken();
        markDirty.accept(session); // it waits for this signal if it was lapped again meanwhile
        return true;
    }

    /**
     * THROTTLE in the shared log: releases its IO thread passed over without giving them (overwritten before it read
     * them, or in a span its cursor skipped). A topic whose skipped release is still the last value the fan-out
     * released to it owes that value again: sent at its next slot, by copy. One the fan-out has released something
     * newer after owes nothing (the IO thread gives the newer one).
     *
     * @return true if there were such releases to look at.
     */
    private boolean takeReleasesSkipped(final ClientSession session)
    {
        if (!session.takeReleasesSkipped())
        {
            return false;
        }
        final List<TopicSubscription> subscriptions = session.subscriptions();
        for (int i = 0, size = subscriptions.size(); i < size; i++)
        {
            final TopicSubscription subscription = subscriptions.get(i);
            if (BackpressurePolicy.THROTTLE != subscription.kind())
            {
                continue;
            }
            final long skipped = session.skippedRelease(subscription.topic().number());
            if (skipped > subscription.skippedReleaseSeen)
            {
                subscription.skippedReleaseSeen = skipped;
                if (skipped == subscription.lastSentSequence)
                {
                    subscription.lastSentSequence = skipped - 1; // it never got it
                    subscription.resendByCopy = true;
                    markPending(subscription);
                }
            }
        }
        counters.sharedLogSkips().incrementRelease();
        markDirty.accept(session);
        return true;
    }

    /**
     * A dropping connection's IO thread found its cursor lapped and waits for its segment's end: end it after the
     * newest event (the marker carries what each topic was given in the segment, from which the IO thread reports
     * the missed ranges), or close the connection if the marker does not fit.
     */
    private boolean endSegmentIfAsked(final ClientSession session)
    {
        if (!session.takeSegmentEndAsked())
        {
            return false;
        }
        if (session.isInSharedLog() && !session.leaveSharedLogNow())
        {
            slow.add(session);
        }
        markDirty.accept(session);
        return true;
    }

    /**
     * Give connections what their policies held back: latest values (CONFLATE, THROTTLE when due) and gap notices
     * (DROP), as far as their rings allow. Each connection's are sent oldest first (by the sequence of the value or
     * of the gap's first event), so the sequences it is given keep rising: an SSE client's {@code Last-Event-ID} (or
     * a WebSocket client's cursor) taken after any of them misses nothing sent before it.
     */
    int sendPending()
    {
        int work = throttleSchedule.releaseDue(clock.nanoTime(), releaseHeld);
        for (int i = withPending.size() - 1; i >= 0; i--)
        {
            final ClientSession session = withPending.get(i);
            final List<TopicSubscription> pending = session.pendingSubscriptions();
            sortOldestFirst(pending);
            int kept = 0;
            int j = 0;
            for (final int size = pending.size(); j < size; j++)
            {
                final TopicSubscription subscription = pending.get(j);
                final PendingOutcome outcome = sendPending(subscription);
                if (PendingOutcome.DONE == outcome)
                {
                    subscription.pending = false;
                    work++;
                }
                else if (PendingOutcome.NOT_DUE == outcome)
                {
                    pending.set(kept++, subscription);
                }
                else
                {
                    break; // no room: it and the newer ones wait, in order
                }
            }
            for (final int size = pending.size(); j < size; j++)
            {
                pending.set(kept++, pending.get(j));
            }
            for (int last = pending.size() - 1; last >= kept; last--)
            {
                pending.remove(last);
            }
            if (pending.isEmpty())
            {
                session.lagging(false);
                session.clearInPendingList();
                withPending.remove(i);
            }
        }
        return work;
    }

    /**
     * Order a connection's pending subscriptions by the sequence each would send first. A few: insertion sort (the
     * list is mostly in order already, as values become pending in sequence order). Many: their keys packed with
     * their places into longs and sorted as numbers, so a connection lagging on thousands of topics costs
     * O(n log n), not O(n²), and nothing is allocated once the scratch arrays have grown.
     */
    private void sortOldestFirst(final List<TopicSubscription> pending)
    {
        final int size = pending.size();
        if (size <= INSERTION_SORT_MAX || size > PLACE_MASK)
        {
            insertionSort(pending);
            return;
        }
        if (sortKeys.length < size)
        {
            sortKeys = new long[Integer.highestOneBit(size) << 1];
            sortScratch = new TopicSubscription[sortKeys.length];
        }
        final long[] keys = sortKeys;
        final TopicSubscription[] scratch = sortScratch;
        for (int j = 0; j < size; j++)
        {
            scratch[j] = pending.get(j);
            keys[j] = (firstPendingSequence(scratch[j]) << PLACE_BITS) | j;
        }
        Arrays.sort(keys, 0, size);
        for (int j = 0; j < size; j++)
        {
            pending.set(j, scratch[(int)(keys[j] & PLACE_MASK)]);
        }
        Arrays.fill(scratch, 0, size, null);
    }

    private void insertionSort(final List<TopicSubscription> pending)
    {
        for (int j = 1, size = pending.size(); j < size; j++)
        {
            final TopicSubscription subscription = pending.get(j);
            final long key = firstPendingSequence(subscription);
            int k = j - 1;
            while (k >= 0 && firstPendingSequence(pending.get(k)) > key)
            {
                pending.set(k + 1, pending.get(k));
                k--;
            }
            pending.set(k + 1, subscription);
        }
    }

    private long firstPendingSequence(final TopicSubscription subscription)
    {
        if (subscription.hasGap())
        {
            return subscription.gapFromSequence;
        }
        final LastValueCache.Entry lastValue = lastValueOf(subscription.topic());
        return null == lastValue ? 0 : lastValue.globalSequence;
    }

    /**
     * The topic's latest event, null if it has none yet; found once in the cache and then kept on the topic.
     */
    private LastValueCache.Entry lastValueOf(final TopicSubscribers topic)
    {
        LastValueCache.Entry lastValue = topic.lastValue;
        if (null == lastValue)
        {
            lastValue = lastValues.get(topic.number());
            topic.lastValue = lastValue;
        }
        return lastValue;
    }

    /**
     * The topic's latest value as an event to offer: wrapped (and its SSE form rendered) once for all the
     * subscriptions a pass gives it to, not once each.
     */
    private EncodedEvent encodedLastValue(final TopicSubscribers topic, final LastValueCache.Entry lastValue)
    {
        if (wrappedLastValue != lastValue || wrappedLastValueSequence != lastValue.globalSequence)
        {
            lastValueDecoder.wrapAndApplyHeader(lastValue.buffer, 0, lastValueHeaderDecoder);
            encodedEvent.wrap(lastValueDecoder, topic.name(), lastValue.buffer, 0, lastValue.length);
            wrappedLastValue = lastValue;
            wrappedLastValueSequence = lastValue.globalSequence;
        }
        return encodedEvent;
    }

    private PendingOutcome sendPending(final TopicSubscription subscription)
    {
        if (!subscription.pending || !subscription.isActive())
        {
            return PendingOutcome.DONE;
        }
        if (subscription.hasGap() && !offerGap(subscription))
        {
            return PendingOutcome.BLOCKED; // a gap first: DROP's, or one left by a change from DROP
        }
        if (BackpressurePolicy.DROP == subscription.kind())
        {
            return PendingOutcome.DONE;
        }

        final TopicSubscribers topic = subscription.topic();
        final LastValueCache.Entry lastValue = lastValueOf(topic);
        if (null == lastValue)
        {
            return PendingOutcome.DONE;
        }
        if (lastValue.globalSequence <= subscription.lastSentSequence)
        {
            return PendingOutcome.DONE;
        }
        final ClientSession session = subscription.session();
        if (BackpressurePolicy.THROTTLE == subscription.kind())
        {
            final long nowNs = clock.nanoTime();
            if (nowNs - subscription.nextDueNs < 0 || !session.tryChargeBytes(lastValue.length, nowNs))
            {
                return PendingOutcome.NOT_DUE;
            }
        }
        final EncodedEvent encoded = encodedLastValue(topic, lastValue);
        if (BackpressurePolicy.CONFLATE == subscription.kind() &&
            !session.hasRoomWithoutLagging(lastValue.globalSequence, lastValue.length))
        {
            return PendingOutcome.BLOCKED;
        }
        if (BackpressurePolicy.THROTTLE == subscription.kind() && !subscription.resendByCopy &&
            session.isInSharedLog() && session.sharedLogHolds(topic.number(), lastValue.globalSequence))
        {
            session.releaseInSharedLog(topic.number(), lastValue.globalSequence); // read from the log: no copy
            offered(subscription, encoded);
        }
        else if (!offer(subscription, encoded)) // from the shared log, the connection leaves it first
        {
            return PendingOutcome.BLOCKED;
        }
        if (BackpressurePolicy.THROTTLE == subscription.kind())
        {
            throttleSchedule.sent(subscription, clock.nanoTime());
        }
        counters.eventsOut().incrementRelease();
        return PendingOutcome.DONE;
    }
}
