package io.pushengine.edge.fanout;

import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.PollingSession;
import io.pushengine.edge.session.SubscriptionOptions;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A change to the subscriber index, sent from an IO thread to the fan-out agent (which alone owns the index).
 * Allocated per command: this is the control path, not the event path.
 * <p>
 * A snapshot is three kinds of command in a row from one IO thread (so in order): {@code SNAPSHOT_BEGIN}, one
 * {@code SUBSCRIBE} with {@code snapshot} set per topic, {@code SNAPSHOT_END}.
 * <p>
 * A poll is registered and subscribed like any session, then armed by {@code POLL_WAIT} (long-poll: answer when
 * there is something) or {@code POLL_NOW} (short-poll: answer once caught up); {@code POLL_EXPIRED} ends the wait.
 * An HTTP poll sends all of that as one command, {@code OPEN_POLL_WAIT} or {@code OPEN_POLL_NOW}: its request's
 * topics and cursor are in {@link PollingSession#requestOptions()}.
 */
public record SessionCommand(
    Type type,
    ClientSession session,
    String topicName,
    long correlationId,
    boolean snapshot,
    SubscriptionOptions options)
{
    public enum Type
    {
        REGISTER, SUBSCRIBE, UNSUBSCRIBE, UPDATE_SUBSCRIPTION, REMOVE, RESUME, SNAPSHOT_BEGIN, SNAPSHOT_END, POLL_WAIT,
        POLL_NOW, POLL_EXPIRED, LAPPED, OPEN_POLL_WAIT, OPEN_POLL_NOW
    }

    /**
     * A command without subscription options (all but subscribe and update).
     */
    public SessionCommand(
        final Type type,
        final ClientSession session,
        final String topicName,
        final long correlationId,
        final boolean snapshot)
    {
        this(type, session, topicName, correlationId, snapshot, SubscriptionOptions.NONE);
    }

    /**
     * Offer a command that must not be lost (subscribe, remove), yielding while the fan-out's queue is full.
     * The queue is sized so that this only waits under overload.
     */
    public static void offer(final ManyToOneConcurrentArrayQueue<SessionCommand> queue, final SessionCommand command)
    {
        while (!queue.offer(command))
        {
            Thread.yield();
        }
    }

    public static SessionCommand register(final ClientSession session)
    {
        return new SessionCommand(Type.REGISTER, session, null, 0, false);
    }

    public static SessionCommand subscribe(final ClientSession session, final String topicName, final long correlationId)
    {
        return new SessionCommand(Type.SUBSCRIBE, session, topicName, correlationId, false);
    }

    /**
     * Subscribe, and if {@code snapshot}, send the topic's current value first (between a begin and an end).
     */
    public static SessionCommand subscribe(
        final ClientSession session, final String topicName, final long correlationId, final boolean snapshot)
    {
        return new SessionCommand(Type.SUBSCRIBE, session, topicName, correlationId, snapshot);
    }

    /**
     * Subscribe with the client's options for this topic (maximum frequency, batching window).
     */
    public static SessionCommand subscribe(
        final ClientSession session,
        final String topicName,
        final long correlationId,
        final boolean snapshot,
        final SubscriptionOptions options)
    {
        return new SessionCommand(Type.SUBSCRIBE, session, topicName, correlationId, snapshot, options);
    }

    /**
     * Change a live subscription's options (both: a 0 is the connection's again); confirmed by Subscribed.
     */
    public static SessionCommand updateSubscription(
        final ClientSession session,
        final String topicName,
        final long correlationId,
        final SubscriptionOptions options)
    {
        return new SessionCommand(Type.UPDATE_SUBSCRIPTION, session, topicName, correlationId, false, options);
    }

    public static SessionCommand snapshotBegin(final ClientSession session, final long correlationId)
    {
        return new SessionCommand(Type.SNAPSHOT_BEGIN, session, null, correlationId, true);
    }

    public static SessionCommand snapshotEnd(final ClientSession session, final long correlationId)
    {
        return new SessionCommand(Type.SNAPSHOT_END, session, null, correlationId, true);
    }

    public static SessionCommand unsubscribe(final ClientSession session, final String topicName, final long correlationId)
    {
        return new SessionCommand(Type.UNSUBSCRIBE, session, topicName, correlationId, false);
    }

    /**
     * Start the resume of a session registered with a cursor: sent after its initial subscriptions, so that the
     * replay considers every topic the client asked for (it held live events back since registration).
     */
    public static SessionCommand resume(final ClientSession session)
    {
        return new SessionCommand(Type.RESUME, session, null, 0, false);
    }

    public static SessionCommand pollWait(final ClientSession session)
    {
        return new SessionCommand(Type.POLL_WAIT, session, null, 0, false);
    }

    public static SessionCommand pollNow(final ClientSession session)
    {
        return new SessionCommand(Type.POLL_NOW, session, null, 0, false);
    }

    /**
     * A poll registered, subscribed to its request's topics (with their current values if it asked), resumed from
     * its cursor if it has one, and armed: the commands a streaming connection starts with, as one.
     *
     * @param now short-poll: answered once caught up; else long-poll: answered when there is something.
     */
    public static SessionCommand openPoll(final PollingSession poll, final boolean now)
    {
        return new SessionCommand(now ? Type.OPEN_POLL_NOW : Type.OPEN_POLL_WAIT, poll, null, 0, false);
    }

    public static SessionCommand pollExpired(final ClientSession session)
    {
        return new SessionCommand(Type.POLL_EXPIRED, session, null, 0, false);
    }

    public static SessionCommand remove(final ClientSession session)
    {
        return new SessionCommand(Type.REMOVE, session, null, 0, false);
    }

    /**
     * A conflating connection's IO thread left a report of events its cursor skipped in the shared log
     * ({@link ClientSession#lappedFromSequence()}): the fan-out acts on it now rather than at its next housekeeping
     * pass. Offered without waiting: a full queue leaves it to that pass.
     */
    public static SessionCommand lapped(final ClientSession session)
    {
        return new SessionCommand(Type.LAPPED, session, null, 0, false);
    }

    /**
     * Queue the subscriptions a connection asked for in its URL: with a snapshot first if it asked for one; then,
     * if it came back with a cursor, the start of its resume.
     */
    public static void offerInitialSubscriptions(
        final ManyToOneConcurrentArrayQueue<SessionCommand> queue,
        final ClientSession session,
        final ConnectionOptions options)
    {
        if (options.startsWithSnapshot())
        {
            offer(queue, snapshotBegin(session, 0));
            for (final String topic : options.topics())
            {
                offer(queue, subscribe(session, topic, 0, true, options.subscriptionOptions(topic)));
            }
            offer(queue, snapshotEnd(session, 0));
        }
        else
        {
            for (final String topic : options.topics())
            {
                offer(queue, subscribe(session, topic, 0, false, options.subscriptionOptions(topic)));
            }
        }
        if (options.resumeFrom() >= 0)
        {
            offer(queue, resume(session));
        }
    }

    /**
     * Queue a snapshot of {@code topics} (subscribing to each) as one ordered run of commands.
     */
    public static void offerSnapshot(
        final ManyToOneConcurrentArrayQueue<SessionCommand> queue,
        final ClientSession session,
        final Iterable<String> topics,
        final long correlationId)
    {
        offer(queue, snapshotBegin(session, correlationId));
        for (final String topic : topics)
        {
            offer(queue, subscribe(session, topic, correlationId, true));
        }
        offer(queue, snapshotEnd(session, correlationId));
    }
}
