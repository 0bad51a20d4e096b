package io.pushengine.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Reads the fields the harness needs out of the edge's event JSON (SSE {@code data:} lines and poll answers)
 * without building objects: {@code "topic":"load.N"}, {@code "topicSequence":M}, {@code "timestampNs":T}, in the
 * order the edge writes them. The harness's payloads are plain text, so a key cannot appear inside one.
 */
final class EventJson
{
    private static final byte[] SEQUENCE = "{\"sequence\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TOPIC = "\"topic\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TOPIC_SEQUENCE = "\"topicSequence\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMP = "\"timestampNs\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CURSOR = "\"cursor\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESET = "\"reset\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * Receives each event found.
     */
    interface EventSink
    {
        void onEvent(int topicIndex, long topicSequence, long timestampNs);
    }

    private EventJson()
    {
    }

    /**
     * Every event in {@code [from, to)} of {@code buf}.
     *
     * @return the number of events.
     */
    static int forEachEvent(final ByteBuf buf, final int from, final int to, final EventSink sink)
    {
        int count = 0;
        int at = indexOf(buf, from, to, SEQUENCE);
        while (at >= 0)
        {
            final int topicAt = indexOf(buf, at, to, TOPIC);
            final int topicSequenceAt = indexOf(buf, topicAt, to, TOPIC_SEQUENCE);
            final int timestampAt = indexOf(buf, topicSequenceAt, to, TIMESTAMP);
            if (topicAt < 0 || topicSequenceAt < 0 || timestampAt < 0)
            {
                break;
            }
            sink.onEvent(topicIndex(buf, topicAt + TOPIC.length, to),
                parseLong(buf, topicSequenceAt + TOPIC_SEQUENCE.length, to),
                parseLong(buf, timestampAt + TIMESTAMP.length, to));
            count++;
            at = indexOf(buf, timestampAt, to, SEQUENCE);
        }
        return count;
    }

    /**
     * The {@code cursor} of a poll answer, or -1.
     */
    static long cursor(final ByteBuf buf, final int from, final int to)
    {
        final int at = indexOf(buf, from, to, CURSOR);
        return at < 0 ? -1 : parseLong(buf, at + CURSOR.length, to);
    }

    /**
     * True if a poll answer says the events after its {@code after=} are gone (a resync).
     */
    static boolean isReset(final ByteBuf buf, final int from, final int to)
    {
        return indexOf(buf, from, to, RESET) >= 0;
    }

    static int indexOf(final ByteBuf buf, final int from, final int to, final byte[] pattern)
    {
        if (from < 0)
        {
            return -1;
        }
        final int last = to - pattern.length;
        outer:
        for (int i = from; i <= last; i++)
        {
            for (int j = 0; j < pattern.length; j++)
            {
                if (buf.getByte(i + j) != pattern[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static long parseLong(final ByteBuf buf, final int from, final int to)
    {
        long value = 0;
        boolean negative = false;
        int i = from;
        if (i < to && buf.getByte(i) == '-')
        {
            negative = true;
            i++;
        }
        for (; i < to; i++)
        {
            final byte b = buf.getByte(i);
            if (b < '0' || b > '9')
            {
                break;
            }
            value = value * 10 + (b - '0');
        }
        return negative ? -value : value;
    }

    /**
     * The N of a {@code load.N"} topic name starting at {@code from}, or -1.
     */
    private static int topicIndex(final ByteBuf buf, final int from, final int to)
    {
        final String prefix = TopicSequences.TOPIC_PREFIX;
        for (int i = 0; i < prefix.length(); i++)
        {
            if (from + i >= to || buf.getByte(from + i) != prefix.charAt(i))
            {
                return -1;
            }
        }
        return (int)parseLong(buf, from + prefix.length(), to);
    }
}
