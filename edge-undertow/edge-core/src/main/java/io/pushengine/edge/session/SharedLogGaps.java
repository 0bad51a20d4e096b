package io.pushengine.edge.session;

import org.agrona.DirectBuffer;

/**
 * What a dropping connection's IO thread keeps to report exactly what its cursor missed when the shared log's
 * writer lapped it in a {@code GAPS_WHEN_LAPPED} segment: per topic of the segment, the topic sequence it last gave
 * the client (from the segment's {@code SHARED_LOG_FROM} marker, then from each event it gives, taken back when a
 * read is discarded), and from the segment's {@code SHARED_LOG_UNTIL} marker the last event of each topic the
 * fan-out put in the segment. Once lapped, everything of the segment's topics from the lap to the segment's end is
 * missed, and each topic's missed range is [last given + 1, last put in] in topic sequences: exact, because a
 * topic's events reach the edge with consecutive topic sequences. The ranges wait here, as Gap notices, for the
 * transport to send before anything after the segment. IO thread only; nothing is allocated once the arrays have
 * grown to the connection's topic count.
 */
final class SharedLogGaps
{
    private static final int NOT_LAPPED = -1;

    // per topic of the segment, by its place in the segment's topic list
    private long[] givenSequences = new long[4];
    private long[] givenTopicSequences = new long[4];
    private long[] keptSequences = new long[4];
    private long[] keptTopicSequences = new long[4];

    // the segment's end, once read
    private int endEntryCount;
    private int[] endTopics = new int[4];
    private long[] endSequences = new long[4];
    private long[] endTopicSequences = new long[4];

    private long lappedFrom = NOT_LAPPED;
    private boolean endAsked;

    // the Gap notices found, in the order of the segment's topics, sent from next to count
    private int gapCount;
    private int gapNext;
    private int[] gapTopics = new int[4];
    private long[] gapFromSequences = new long[4];
    private long[] gapToSequences = new long[4];
    private long[] gapFromTopicSequences = new long[4];
    private long[] gapToTopicSequences = new long[4];

    /**
     * A segment starts: {@code count} topics, each with the topic sequence the client last had of it, as longs
     * from {@code index} in {@code buffer}.
     */
    void start(final int count, final DirectBuffer buffer, final int index)
    {
        if (givenSequences.length < count)
        {
            final int length = Integer.highestOneBit(count) << 1; // on a subscription change, not per event
            givenSequences = new long[length];
            givenTopicSequences = new long[length];
            keptSequences = new long[length];
            keptTopicSequences = new long[length];
        }
        for (int i = 0; i < count; i++)
        {
            givenSequences[i] = NOT_LAPPED; // nothing given in this segment yet
            givenTopicSequences[i] = buffer.getLong(index + i * Long.BYTES);
        }
        endEntryCount = 0;
        lappedFrom = NOT_LAPPED;
        endAsked = false;
    }

    /**
     * The event at {@code sequence} of the topic at {@code topicIndex} was given to the transport in a read that
     * started at {@code readFrom}. Per event given: two compares and two stores.
     */
    void given(final int topicIndex, final long sequence, final long topicSequence, final long readFrom)
    {
        if (givenSequences[topicIndex] < readFrom)
        {
            keptSequences[topicIndex] = givenSequences[topicIndex]; // what stands if this read is discarded
            keptTopicSequences[topicIndex] = givenTopicSequences[topicIndex];
        }
        givenSequences[topicIndex] = sequence;
        givenTopicSequences[topicIndex] = topicSequence;
    }

    /**
     * The read that started at {@code readFrom} is discarded (the log's writer lapped it): what it gave is taken
     * back.
     */
    void discard(final int topicCount, final long readFrom)
    {
        for (int i = 0; i < topicCount; i++)
        {
            if (givenSequences[i] >= readFrom)
            {
                givenSequences[i] = keptSequences[i];
                givenTopicSequences[i] = keptTopicSequences[i];
            }
        }
    }

    /**
     * The segment's end marker at {@code index}: keep its entries (topic, last global and topic sequence put in).
     */
    void end(final DirectBuffer buffer, final int index)
    {
        final int count = buffer.getInt(index + OutboundRingDescriptor.UNTIL_ENTRY_COUNT_OFFSET);
        if (endTopics.length < count)
        {
            final int length = Integer.highestOneBit(count) << 1;
            endTopics = new int[length];
            endSequences = new long[length];
            endTopicSequences = new long[length];
        }
        for (int i = 0; i < count; i++)
        {
            final int entry = index + OutboundRingDescriptor.UNTIL_ENTRIES_OFFSET +
                i * OutboundRingDescriptor.UNTIL_ENTRY_LENGTH;
            endTopics[i] = buffer.getInt(entry);
            endSequences[i] = buffer.getLong(entry + OutboundRingDescriptor.UNTIL_ENTRY_SEQUENCE_OFFSET);
            endTopicSequences[i] = buffer.getLong(entry + OutboundRingDescriptor.UNTIL_ENTRY_TOPIC_SEQUENCE_OFFSET);
        }
        endEntryCount = count;
    }

    boolean isLapped()
    {
        return NOT_LAPPED != lappedFrom;
    }

    /**
     * The cursor was lapped at {@code from}: nothing of the segment is read from here on.
     */
    void lapped(final long from)
    {
        lappedFrom = from;
    }

    long lappedFrom()
    {
        return lappedFrom;
    }

    /**
     * @return true the first time it is asked while lapped: the caller asks the fan-out to end the segment.
     */
    boolean askEndOnce()
    {
        if (endAsked)
        {
            return false;
        }
        endAsked = true;
        return true;
    }

    /**
     * The segment has ended and its cursor was lapped: a Gap notice for each of {@code topics} the fan-out put
     * events in that the client was not given. Ends the lap.
     */
    void findGaps(final int[] topics, final int topicCount)
    {
        if (gapTopics.length < topicCount)
        {
            final int length = Integer.highestOneBit(topicCount) << 1;
            gapTopics = new int[length];
            gapFromSequences = new long[length];
            gapToSequences = new long[length];
            gapFromTopicSequences = new long[length];
            gapToTopicSequences = new long[length];
        }
        gapCount = 0;
        gapNext = 0;
        for (int i = 0; i < topicCount; i++)
        {
            final int entry = endEntry(topics[i]);
            if (entry >= 0 && endTopicSequences[entry] > givenTopicSequences[i])
            {
                final int gap = gapCount++;
                gapTopics[gap] = topics[i];
                gapFromSequences[gap] = lappedFrom; // the first missed is at or after the lap, nothing before
                gapToSequences[gap] = endSequences[entry];
                gapFromTopicSequences[gap] = givenTopicSequences[i] + 1;
                gapToTopicSequences[gap] = endTopicSequences[entry];
            }
        }
        lappedFrom = NOT_LAPPED;
        endAsked = false;
    }

    private int endEntry(final int topic)
    {
        for (int i = 0; i < endEntryCount; i++)
        {
            if (endTopics[i] == topic)
            {
                return i;
            }
        }
        return -1; // not subscribed any more when the segment ended: nothing to report
    }

    boolean hasGapToSend()
    {
        return gapNext < gapCount;
    }

    /**
     * Give the next Gap notice to {@code handler}.
     *
     * @return the number of events it reports missed, 0 if the handler had no room for it (it stays).
     */
    long sendNext(final ClientSession.SharedLogGapHandler handler)
    {
        final int gap = gapNext;
        if (!handler.onSharedLogGap(gapTopics[gap], gapFromSequences[gap], gapToSequences[gap],
            gapFromTopicSequences[gap], gapToTopicSequences[gap]))
        {
            return 0;
        }
        gapNext++;
        return gapToTopicSequences[gap] - gapFromTopicSequences[gap] + 1;
    }
}
