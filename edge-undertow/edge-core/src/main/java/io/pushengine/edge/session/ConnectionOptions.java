package io.pushengine.edge.session;

import io.pushengine.edge.backpressure.DeliveryPolicy;

import java.util.List;
import java.util.Map;

/**
 * What a client asked for when it connected, already checked against the server's limits.
 *
 * @param topics             topics to subscribe at once.
 * @param batchWindowMs      how long events may wait to share a frame or write (0: send at once).
 * @param requestedPolicy    the backpressure policy the client asked for, or null to take each topic's rule.
 * @param maxBytesPerSecond  cap on bytes/s of THROTTLE deliveries for the whole connection, 0 for none.
 * @param resumeFrom         the last global sequence the client saw: send what followed, then live; -1 for live only.
 * @param snapshot           send each topic's current value before live updates (ignored when resuming: a resuming
 *                           client already has the state).
 * @param topicOptions       topic -> what was asked for it alone ({@code rate.TOPIC=N}: at most N events per second,
 *                           the latest value when due; {@code window.TOPIC=MS}: its batching window), for the topics
 *                           that asked; checked against the server's maximum.
 */
public record ConnectionOptions(
    List<String> topics,
    long batchWindowMs,
    DeliveryPolicy requestedPolicy,
    long maxBytesPerSecond,
    long resumeFrom,
    boolean snapshot,
    Map<String, SubscriptionOptions> topicOptions)
{
    public ConnectionOptions(
        final List<String> topics,
        final long batchWindowMs,
        final DeliveryPolicy requestedPolicy,
        final long maxBytesPerSecond,
        final long resumeFrom,
        final boolean snapshot)
    {
        this(topics, batchWindowMs, requestedPolicy, maxBytesPerSecond, resumeFrom, snapshot, Map.of());
    }

    /**
     * @return what was asked for one topic alone, {@link SubscriptionOptions#NONE} for nothing.
     */
    public SubscriptionOptions subscriptionOptions(final String topic)
    {
        return topicOptions.getOrDefault(topic, SubscriptionOptions.NONE);
    }

    /**
     * @return true when the connection starts with a snapshot of its topics.
     */
    public boolean startsWithSnapshot()
    {
        return snapshot && resumeFrom < 0;
    }

    public static final long NO_RESUME = -1;
}
