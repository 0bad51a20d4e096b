package io.pushengine.bench.load;

/**
 * One client's view of its topics ({@code load.N}): the last topic sequence seen on each, so that a missing event
 * (a gap: conflated, dropped or lost) and a repeated one are counted, and what the client received in all.
 * Confined to the client's IO thread.
 */
final class TopicSequences
{
    static final String TOPIC_PREFIX = "load.";

    private final long[] lastSequence;
    private long received;

    TopicSequences(final int topicCount)
    {
        lastSequence = new long[topicCount];
    }

    /**
     * @return the number of events missing before this one (0 if in order), or -1 if it was seen already.
     */
    long onEvent(final int topicIndex, final long topicSequence)
    {
        if (topicIndex < 0 || topicIndex >= lastSequence.length)
        {
            return 0; // not a load topic (e.g. another publisher's): counted, not checked
        }
        final long last = lastSequence[topicIndex];
        if (0 != last && topicSequence <= last)
        {
            return -1;
        }
        received++;
        lastSequence[topicIndex] = topicSequence;
        return 0 == last ? 0 : topicSequence - last - 1;
    }

    long received()
    {
        return received;
    }

    static String topicName(final int index)
    {
        return TOPIC_PREFIX + index;
    }

    /**
     * The index of a {@code load.N} topic name, or -1.
     */
    static int topicIndex(final CharSequence name)
    {
        if (name.length() <= TOPIC_PREFIX.length())
        {
            return -1;
        }
        for (int i = 0; i < TOPIC_PREFIX.length(); i++)
        {
            if (name.charAt(i) != TOPIC_PREFIX.charAt(i))
            {
                return -1;
            }
        }
        int index = 0;
        for (int i = TOPIC_PREFIX.length(); i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            index = index * 10 + (c - '0');
        }
        return index;
    }
}
