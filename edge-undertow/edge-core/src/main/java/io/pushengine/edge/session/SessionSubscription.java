package io.pushengine.edge.session;

/**
 * What a connection knows of one of its subscriptions: the topic's number and whether its events may be read from
 * the edge's shared log. The fan-out's subscriptions (with their policies' state) implement it; the connection keeps
 * them for the fan-out without depending on it. Fan-out thread only.
 */
public interface SessionSubscription
{
    /**
     * @return the topic's number, 0 until the engine has declared it.
     */
    int topicNumber();

    /**
     * @return true when every event of the topic goes to the connection in order while it keeps up (DISCONNECT or
     * CONFLATE, a declared topic), so it may read them from the shared log.
     */
    boolean canReadSharedLog();

    /**
     * @return true when the subscription closes its connection if it falls too far behind (DISCONNECT); false when
     * it conflates, drops or throttles instead.
     */
    boolean disconnectsWhenBehind();
}
