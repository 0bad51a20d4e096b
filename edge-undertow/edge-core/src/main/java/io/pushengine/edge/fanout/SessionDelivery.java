package io.pushengine.edge.fanout;

import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.EncodedEvent;

/**
 * What the fan-out's state machines (resumes, snapshots) ask of its delivery: offer an event under the
 * subscription's policy, and signal a session's IO thread that something was queued. Fan-out thread.
 */
interface SessionDelivery
{
    /**
     * Offer an event to a subscription and record it as the session's last offered sequence.
     *
     * @return false only if the session's ring is full.
     */
    boolean offer(TopicSubscription subscription, EncodedEvent encoded);

    /**
     * Something was queued for the session now: its IO thread is signalled once at the end of the duty cycle.
     */
    void queued(ClientSession session);
}
