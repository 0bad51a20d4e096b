package io.pushengine.edge.fanout;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.SessionSubscription;

/**
 * One connection's subscription to one topic, with its delivery policy and the state that policy needs: when the
 * next THROTTLE slot opens, whether a newer value is waiting (CONFLATE, THROTTLE), the range of events dropped and
 * not yet reported (DROP). Fan-out thread only.
 */
public final class TopicSubscription implements SessionSubscription
{
    private final ClientSession session;
    private final TopicSubscribers topic;
    private BackpressurePolicy kind;
    private long minIntervalNs;
    private int batchWindowMs;
    private boolean active = true;

    private long awaitedCorrelationId;

    long lastSentSequence;
    long lastSentTopicSequence;
    long nextDueNs;
    boolean pending;
    /**
     * THROTTLE in the shared log: the last release its IO thread passed over that the fan-out has acted on, and
     * whether the value owed for it goes by copy (a release of the same sequence again would read as taken).
     */
    long skippedReleaseSeen = -1;
    boolean resendByCopy;
    /**
     * THROTTLE: a newer value arrived before {@link #nextDueNs}; the {@link ThrottleSchedule} makes it pending when
     * due. Never with {@link #pending}.
     */
    boolean held;
    /**
     * Its place in its topic's {@link TopicSubscribers#subscriptions()}, -1 once removed.
     */
    int slot = -1;

    long gapFromSequence;
    long gapToSequence;
    long gapFromTopicSequence;
    long gapToTopicSequence;

    TopicSubscription(
        final ClientSession session, final TopicSubscribers topic, final DeliveryPolicy policy, final int batchWindowMs)
    {
        this.session = session;
        this.topic = topic;
        this.kind = policy.policy();
        this.minIntervalNs = policy.minIntervalNs();
        this.batchWindowMs = batchWindowMs;
        this.lastSentTopicSequence = topic.lastTopicSequence(); // what Subscribed tells it: events come after it
    }

    public int topicNumber()
    {
        return topic.number();
    }

    /**
     * True when its connection could take this subscription's events from the edge's shared log: every event, in
     * order, while it keeps up (DISCONNECT: cut off if it falls too far behind; CONFLATE: latest values from there
     * on; DROP: a Gap notice for what the log's writer lapped, where the transport reports gaps its IO thread finds),
     * on a topic the engine has declared.
     */
    public boolean canReadSharedLog()
    {
        return (BackpressurePolicy.DISCONNECT == kind || BackpressurePolicy.CONFLATE == kind ||
            BackpressurePolicy.THROTTLE == kind ||
            (BackpressurePolicy.DROP == kind && session.reportsGapsInSharedLog())) && 0 != topic.number();
    }

    public boolean gatedInSharedLog()
    {
        return BackpressurePolicy.THROTTLE == kind;
    }

    public boolean disconnectsWhenBehind()
    {
        return BackpressurePolicy.DISCONNECT == kind;
    }

    public boolean dropsWhenBehind()
    {
        return BackpressurePolicy.DROP == kind;
    }

    public long lastSentSequence()
    {
        return lastSentSequence;
    }

    public long lastSentTopicSequence()
    {
        return lastSentTopicSequence;
    }

    public ClientSession session()
    {
        return session;
    }

    public TopicSubscribers topic()
    {
        return topic;
    }

    BackpressurePolicy kind()
    {
        return kind;
    }

    /**
     * A new policy and batching window for a live subscription (a client's UpdateSubscription): a throttle's next value is due at
     * once, so a faster rate shows without waiting out the old interval. Fan-out thread.
     */
    void policy(final DeliveryPolicy policy, final int batchWindowMs)
    {
        this.kind = policy.policy();
        this.minIntervalNs = policy.minIntervalNs();
        this.batchWindowMs = batchWindowMs;
        this.nextDueNs = 0;
    }

    /**
     * @return how long the topic's events may wait for later ones to share a frame, 0 for the connection's window.
     */
    int batchWindowMs()
    {
        return batchWindowMs;
    }

    long minIntervalNs()
    {
        return minIntervalNs;
    }

    /**
     * Subscribed (with this correlation id) before the engine's declaration of the topic reached the edge: the
     * declaration confirms it. Fan-out thread.
     */
    void awaitingDeclaration(final long correlationId)
    {
        this.awaitedCorrelationId = correlationId;
    }

    /**
     * The correlation id of a Subscribe waiting for the topic's declaration, once (0 after, or for none).
     */
    long takeAwaitedCorrelationId()
    {
        final long correlationId = awaitedCorrelationId;
        awaitedCorrelationId = 0;
        return correlationId;
    }

    boolean isActive()
    {
        return active;
    }

    void deactivate()
    {
        active = false;
    }

    boolean hasGap()
    {
        return 0 != gapFromSequence;
    }

    /**
     * Add one dropped event to the range not yet reported.
     */
    void addToGap(final long globalSequence, final long topicSequence)
    {
        if (0 == gapFromSequence)
        {
            gapFromSequence = globalSequence;
            gapFromTopicSequence = topicSequence;
        }
        gapToSequence = globalSequence;
        gapToTopicSequence = topicSequence;
    }

    void clearGap()
    {
        gapFromSequence = 0;
        gapToSequence = 0;
        gapFromTopicSequence = 0;
        gapToTopicSequence = 0;
    }
}
