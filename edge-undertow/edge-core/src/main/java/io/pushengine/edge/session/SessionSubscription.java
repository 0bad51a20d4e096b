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
     * @return true when every event of the topic goes to the connection in order while it keeps up (DISCONNECT,
     * CONFLATE, or DROP on a transport that reports gaps found in the log; a declared topic), or the ones the fan-out
     * releases to it (THROTTLE, {@link #gatedInSharedLog()}), so it may read them from the shared log.
     */
    boolean canReadSharedLog();

    /**
     * @return true when the fan-out picks which of the topic's events the connection is given (THROTTLE): read from
     * the shared log, only the ones it releases ({@link ClientSession#releaseInSharedLog}) are taken.
     */
    default boolean gatedInSharedLog()
    {
        return false;
    }

    /**
     * @return true when events the connection falls too far behind on are dropped and reported in a Gap notice
     * (DROP).
     */
    boolean dropsWhenBehind();

    /**
     * @return the global sequence of the last event of the topic given to the connection (in its ring or the
     * shared log it reads).
     */
    long lastSentSequence();

    /**
     * @return the topic sequence of the last event of the topic the connection was given or told it missed: a gap
     * found in the shared log starts after it.
     */
    long lastSentTopicSequence();

    /**
     * @return true when the subscription closes its connection if it falls too far behind (DISCONNECT); false when
     * it conflates, drops or throttles instead.
     */
    boolean disconnectsWhenBehind();
}
