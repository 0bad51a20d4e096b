package io.pushengine.edge.session;

/**
 * Message types in a connection's outbound ring (Agrona {@code OneToOneRingBuffer}: the fan-out agent writes, the
 * connection's IO thread reads).
 * <pre>
 *  EVENT    WebSocket: an SBE Event body (one Batch entry), its publish timestamp inside. Text transports: the
 *           event's publish timestamp, then its text (SSE: a rendered "id/event/data" block; poll: its JSON):
 *    0               8
 *    +---------------+------------------------------+
 *    | timestampNs   | text                         |
 *    +---------------+------------------------------+
 *  CONTROL  WebSocket: a whole SBE message sent as its own frame (Subscribed, Heartbeat, Error).
 *           SSE: text written as is (comment heartbeats).
 *  SHARED_LOG_FROM   from here on, read the events of these topics from the edge's shared log, starting at a
 *                    sequence, instead of from this ring (until a SHARED_LOG_UNTIL, the only message that follows):
 *    0               8               12              16
 *    +---------------+---------------+---------------+------------------------------+
 *    | fromSequence  | topicCount    | flags         | topic numbers (int each)     |
 *    +---------------+---------------+---------------+------------------------------+
 *    | with GAPS_WHEN_LAPPED, 8-aligned: the topic sequence the client last had of each topic (long each) |
 *    +---------------------------------------------------------------------------------------------------+
 *                    flags: SKIP_WHEN_LAPPED (no subscription disconnects: a cursor the log's writer laps skips
 *                    ahead and the fan-out re-sends the latest values it missed; otherwise the connection is
 *                    closed); GAPS_WHEN_LAPPED (and some drop: a lapped cursor waits for the segment's end, which
 *                    carries what each topic was given in the segment, and reports each topic's missed range in
 *                    a Gap notice before anything after the segment)
 *  SHARED_LOG_UNTIL  the shared-log segment ends after this sequence; back to this ring:
 *    0               8               12              16
 *    +---------------+---------------+---------------+--------------------------------------------------+
 *    | untilSequence | entryCount    | (padding)     | GAPS_WHEN_LAPPED segments: entries of 24 bytes:  |
 *    +---------------+---------------+---------------+ topic (int), padding, the last global and topic   |
 *                                                    | sequence put in the segment, of each dropping one |
 *                                                    +--------------------------------------------------+
 * </pre>
 */
public final class OutboundRingDescriptor
{
    public static final int EVENT_MSG_TYPE_ID = 1;
    public static final int CONTROL_MSG_TYPE_ID = 2;
    public static final int SHARED_LOG_FROM_MSG_TYPE_ID = 3;
    public static final int SHARED_LOG_UNTIL_MSG_TYPE_ID = 4;
    /**
     * A poll's event replaced by a later one of the same topic and time slot ({@code rate.TOPIC=N}): the answer
     * leaves it out. Only in a poll's ring, which its IO thread reads after the fan-out is done with it.
     */
    public static final int SUPERSEDED_EVENT_MSG_TYPE_ID = 5;

    public static final int TEXT_EVENT_TIMESTAMP_OFFSET = 0;
    public static final int TEXT_EVENT_TEXT_OFFSET = 8;
    public static final int FROM_SEQUENCE_OFFSET = 0;
    public static final int TOPIC_COUNT_OFFSET = 8;
    public static final int FLAGS_OFFSET = 12;
    public static final int TOPICS_OFFSET = 16;
    public static final int SKIP_WHEN_LAPPED_FLAG = 1;
    public static final int GAPS_WHEN_LAPPED_FLAG = 2;
    public static final int UNTIL_SEQUENCE_OFFSET = 0;
    public static final int SHARED_LOG_UNTIL_LENGTH = 8;
    public static final int UNTIL_ENTRY_COUNT_OFFSET = 8;
    public static final int UNTIL_ENTRIES_OFFSET = 16;
    public static final int UNTIL_ENTRY_LENGTH = 24;
    public static final int UNTIL_ENTRY_SEQUENCE_OFFSET = 8;
    public static final int UNTIL_ENTRY_TOPIC_SEQUENCE_OFFSET = 16;

    /**
     * @return the length of a {@code SHARED_LOG_FROM} marker for {@code topicCount} topics.
     */
    public static int sharedLogFromLength(final int topicCount, final boolean gapsWhenLapped)
    {
        final int topics = TOPICS_OFFSET + topicCount * Integer.BYTES;
        return gapsWhenLapped ? lastTopicSequencesOffset(topicCount) + topicCount * Long.BYTES : topics;
    }

    /**
     * @return where a {@code GAPS_WHEN_LAPPED} {@code SHARED_LOG_FROM} marker's topic sequences start.
     */
    public static int lastTopicSequencesOffset(final int topicCount)
    {
        return org.agrona.BitUtil.align(TOPICS_OFFSET + topicCount * Integer.BYTES, Long.BYTES);
    }

    /**
     * @return the length of a {@code SHARED_LOG_UNTIL} marker: of a {@code GAPS_WHEN_LAPPED} segment with
     * {@code entryCount} entries (one per dropping topic), else without entries.
     */
    public static int sharedLogUntilLength(final boolean gapsWhenLapped, final int entryCount)
    {
        return gapsWhenLapped ? UNTIL_ENTRIES_OFFSET + entryCount * UNTIL_ENTRY_LENGTH : SHARED_LOG_UNTIL_LENGTH;
    }

    private OutboundRingDescriptor()
    {
    }
}
