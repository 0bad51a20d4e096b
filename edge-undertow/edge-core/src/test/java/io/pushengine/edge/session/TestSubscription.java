package io.pushengine.edge.session;

/**
 * A connection's subscription as the fan-out keeps it, for stepping a session without the fan-out: its topic, its
 * policy's kind, and what the fan-out last gave it ({@link #offered}, as {@code DeliveryPolicies.offered} records).
 */
final class TestSubscription implements SessionSubscription
{
    private final int topic;
    private final boolean disconnects;
    private final boolean drops;
    private long lastSentSequence;
    private long lastSentTopicSequence;

    TestSubscription(final int topic, final boolean disconnects, final boolean drops)
    {
        this.topic = topic;
        this.disconnects = disconnects;
        this.drops = drops;
    }

    /**
     * The fan-out gave the connection the topic's event at {@code sequence} (in its ring or the shared log).
     */
    void offered(final long sequence, final long topicSequence)
    {
        lastSentSequence = sequence;
        lastSentTopicSequence = topicSequence;
    }

    public int topicNumber()
    {
        return topic;
    }

    public boolean canReadSharedLog()
    {
        return true;
    }

    public boolean disconnectsWhenBehind()
    {
        return disconnects;
    }

    public boolean dropsWhenBehind()
    {
        return drops;
    }

    public long lastSentSequence()
    {
        return lastSentSequence;
    }

    public long lastSentTopicSequence()
    {
        return lastSentTopicSequence;
    }
}
