package io.pushengine.edge.fanout;

import io.pushengine.edge.session.ClientSession;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A change to the subscriber index, sent from an IO thread to the fan-out agent (which alone owns the index).
 * Allocated per command: this is the control path, not the event path.
 */
public record SessionCommand(Type type, ClientSession session, String topicName, long correlationId)
{
    public enum Type
    {
        REGISTER, SUBSCRIBE, UNSUBSCRIBE, REMOVE
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
        return new SessionCommand(Type.REGISTER, session, null, 0);
    }

    public static SessionCommand subscribe(final ClientSession session, final String topicName, final long correlationId)
    {
        return new SessionCommand(Type.SUBSCRIBE, session, topicName, correlationId);
    }

    public static SessionCommand unsubscribe(final ClientSession session, final String topicName, final long correlationId)
    {
        return new SessionCommand(Type.UNSUBSCRIBE, session, topicName, correlationId);
    }

    public static SessionCommand remove(final ClientSession session)
    {
        return new SessionCommand(Type.REMOVE, session, null, 0);
    }
}
