package io.pushengine.edge.session;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The edge's in-memory window of the most recent events, in global sequence order, as received from the engine:
 * a circular log of encoded {@code Event} messages indexed by sequence, one copy per edge. Resuming clients are
 * served from here when their sequence is recent enough (older resumes go to the engine's journal), and WebSocket
 * connections in the shared-log mode read their live events from here by cursor instead of getting a copy each
 * ({@link ClientSession}). Bounded by bytes and by event count; appending evicts the oldest.
 * <p>
 * The same structure holds an edge's events in a text form ({@link #appendText}: the SSE block, rendered once per
 * event per edge, whose {@code data:} part is the event's JSON) for SSE connections in the shared-log mode and for
 * the answers of polls ({@link PollingSession}); events none of them takes hold their place with no bytes
 * ({@link #appendPlaceholder}), so a reader's cursor moves through contiguous sequences.
 * <p>
 * Threading: one writer, the fan-out thread ({@link #append}, and the accessors without "Volatile" in their
 * name); any number of IO threads read through {@link #lastVolatile()}, {@link #firstVolatile()} and the slot
 * accessors. A reader may see an event being overwritten (the writer laps it): it checks after reading that the
 * event is still held ({@link #firstVolatile()} not beyond it) and discards what it read otherwise. The writer
 * moves {@link #first} past what it is about to overwrite before it overwrites it, and publishes {@link #last}
 * after the event is written, so a reader that sees an event's sequence within [first, last] after reading it
 * read it whole.
 */
public final class RecentEvents
{
    /**
     * A topic number no event has: placeholders carry it.
     */
    public static final int NO_TOPIC = -1;
    /**
     * In a text entry ({@link #appendText}): where the event's publish timestamp (epoch ns) is.
     */
    public static final int TEXT_TIMESTAMP_OFFSET = 0;
    /**
     * In a text entry: where the event's topic sequence is (a dropping reader's gaps are exact by it).
     */
    public static final int TEXT_TOPIC_SEQUENCE_OFFSET = Long.BYTES;
    /**
     * In a text entry: where the event's JSON (the {@code data:} part of its SSE block, a poll's answer entry)
     * starts, from the entry's start (int).
     */
    public static final int TEXT_JSON_OFFSET_OFFSET = 2 * Long.BYTES;
    /**
     * In a text entry: the length of the event's JSON (int).
     */
    public static final int TEXT_JSON_LENGTH_OFFSET = TEXT_JSON_OFFSET_OFFSET + Integer.BYTES;
    /**
     * In a text entry: where the text starts.
     */
    public static final int TEXT_OFFSET = TEXT_JSON_LENGTH_OFFSET + Integer.BYTES;

    private static final int TOPIC_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH + EventDecoder.topicEncodingOffset();

    private final UnsafeBuffer log;
    private final int[] offsets;
    private final int[] lengths;
    private final int[] topics;
    private final long[] bytesThrough; // event bytes appended since the start, up to and including each event
    private final int mask;
    private volatile long first = 1;
    private volatile long last;
    private int writePosition;
    private long bytesAppended;
    private volatile String[] topicNames = new String[0];

    /**
     * @param capacityBytes  size of the log.
     * @param capacityEvents most events indexed (power of two).
     */
    public RecentEvents(final int capacityBytes, final int capacityEvents)
    {
        if (Integer.bitCount(capacityEvents) != 1)
        {
            throw new IllegalArgumentException("event capacity must be a power of two: " + capacityEvents);
        }
        log = new UnsafeBuffer(ByteBuffer.allocateDirect(capacityBytes));
        offsets = new int[capacityEvents];
        lengths = new int[capacityEvents];
        topics = new int[capacityEvents];
        bytesThrough = new long[capacityEvents];
        mask = capacityEvents - 1;
    }

    /**
     * Oldest sequence held; greater than {@link #last()} when empty. Fan-out thread.
     */
    public long first()
    {
        return first;
    }

    /**
     * Newest sequence held (0 before any). Fan-out thread.
     */
    public long last()
    {
        return last;
    }

    /**
     * Oldest sequence whose bytes are still intact. Any thread.
     */
    public long firstVolatile()
    {
        return first;
    }

    /**
     * Newest sequence fully written. Any thread.
     */
    public long lastVolatile()
    {
        return last;
    }

    public boolean contains(final long sequence)
    {
        return sequence >= first && sequence <= last;
    }

    /**
     * Append the event that follows {@link #last()} (a message with its SBE header). Fan-out thread.
     */
    public void append(final long sequence, final DirectBuffer buffer, final int offset, final int length)
    {
        append(
            sequence, buffer.getInt(offset + TOPIC_OFFSET, EventDecoder.BYTE_ORDER), 0, 0, 0, 0, 0,
            buffer, offset, length);
    }

    /**
     * Append a text form of the event that follows {@link #last()}: its publish timestamp (at
     * {@link #TEXT_TIMESTAMP_OFFSET} of the entry), its topic sequence ({@link #TEXT_TOPIC_SEQUENCE_OFFSET}), where
     * its JSON lies within the entry ({@link #TEXT_JSON_OFFSET_OFFSET}, {@link #TEXT_JSON_LENGTH_OFFSET}), then the
     * text ({@link #TEXT_OFFSET}). Fan-out thread.
     *
     * @param jsonOffset where the event's JSON starts within the text, from {@code offset}.
     * @param jsonLength the length of the event's JSON.
     */
    public void appendText(
        final long sequence,
        final int topic,
        final long topicSequence,
        final long timestampNs,
        final DirectBuffer text,
        final int offset,
        final int length,
        final int jsonOffset,
        final int jsonLength)
    {
        append(sequence, topic, TEXT_OFFSET, timestampNs, topicSequence, TEXT_OFFSET + jsonOffset, jsonLength,
            text, offset, TEXT_OFFSET + length);
    }

    /**
     * The name of topic {@code topic}, for a reader of the text log that writes a notice naming it (a gap); null if
     * {@link #nameTopic} was not told it. Any thread.
     */
    public String topicName(final int topic)
    {
        final String[] names = topicNames;
        return topic >= 0 && topic < names.length ? names[topic] : null;
    }

    /**
     * Make {@code name} known as the name of topic {@code topic} before the first of its entries is appended
     * (readers find it once they have read an entry of it). Fan-out thread; copies the table only when it grows.
     */
    public void nameTopic(final int topic, final String name)
    {
        String[] names = topicNames;
        if (topic >= names.length)
        {
            names = java.util.Arrays.copyOf(names, Math.max(topic + 1, 2 * names.length));
        }
        else if (name.equals(names[topic]))
        {
            return;
        }
        else
        {
            names = names.clone();
        }
        names[topic] = name;
        topicNames = names; // volatile: published before the entries appended after it
    }

    /**
     * Hold the place of an event that no reader of this log takes, so the sequences stay contiguous: no bytes, and
     * a topic that matches none ({@link #NO_TOPIC}). Fan-out thread.
     */
    public void appendPlaceholder(final long sequence)
    {
        append(sequence, NO_TOPIC, 0, 0, 0, 0, 0, null, 0, 0);
    }

    private void append(
        final long sequence,
        final int topic,
        final int bodyOffset,
        final long timestampNs,
        final long topicSequence,
        final int jsonOffset,
        final int jsonLength,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        long first = this.first;
        long last = this.last;
        if (sequence != last + 1 || length > log.capacity())
        {
            first = sequence; // a jump in the stream (or an event that cannot fit): start again, empty
            last = sequence - 1;
            writePosition = 0;
        }
        if (length > log.capacity())
        {
            this.first = sequence + 1;
            this.last = sequence;
            return;
        }
        int position = writePosition;
        if (position + length > log.capacity())
        {
            // what lies beyond the write position is from the previous lap, the oldest: wrapping overwrites it
            while (first <= last && offsets[(int)first & mask] >= position)
            {
                first++;
            }
            position = 0;
        }
        while (first <= last && (last - first + 1 >= offsets.length || overlaps(first, position, length)))
        {
            first++;
        }
        this.first = first;
        VarHandle.storeStoreFence(); // readers must see the eviction before the bytes that replace what it evicts

        if (0 != bodyOffset)
        {
            log.putLong(position + TEXT_TIMESTAMP_OFFSET, timestampNs);
            log.putLong(position + TEXT_TOPIC_SEQUENCE_OFFSET, topicSequence);
            log.putInt(position + TEXT_JSON_OFFSET_OFFSET, jsonOffset);
            log.putInt(position + TEXT_JSON_LENGTH_OFFSET, jsonLength);
        }
        if (length > bodyOffset)
        {
            log.putBytes(position + bodyOffset, buffer, offset, length - bodyOffset);
        }
        final int slot = (int)sequence & mask;
        offsets[slot] = position;
        lengths[slot] = length;
        topics[slot] = topic;
        bytesAppended += length;
        bytesThrough[slot] = bytesAppended;
        writePosition = position + length;
        this.last = sequence; // publishes the event
    }

    /**
     * The log, to read an event at {@link #offset(long)} for {@link #length(long)} bytes; valid for sequences that
     * {@link #contains(long)}, until the next append (for a reader on another thread: see the class comment).
     */
    public DirectBuffer buffer()
    {
        return log;
    }

    public int offset(final long sequence)
    {
        return offsets[(int)sequence & mask];
    }

    public int length(final long sequence)
    {
        return lengths[(int)sequence & mask];
    }

    /**
     * The topic number of a held event.
     */
    public int topic(final long sequence)
    {
        return topics[(int)sequence & mask];
    }

    /**
     * Bytes held from {@code sequence} to the newest; the capacity when {@code sequence} is no longer held.
     * Fan-out thread.
     */
    public int bytesFrom(final long sequence)
    {
        final long last = this.last;
        if (sequence > last)
        {
            return 0;
        }
        if (sequence < first)
        {
            return log.capacity();
        }
        final int slot = (int)sequence & mask;
        return (int)(bytesThrough[(int)last & mask] - bytesThrough[slot] + lengths[slot]);
    }

    private boolean overlaps(final long sequence, final int position, final int length)
    {
        final int start = offsets[(int)sequence & mask];
        final int end = start + lengths[(int)sequence & mask];
        return start < position + length && position < end;
    }
}
