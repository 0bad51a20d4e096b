package io.pushengine.engine.sequencer;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest journaled {@code Event} message of each topic, as the sequencer wrote it. Rebuilt by the recovery scan
 * of the journal and kept by every sequence, so a catalog answer can give edges the current value of every topic
 * (for snapshots) at an exact position in the event stream. One copy per event into the topic's buffer, which grows
 * to the topic's largest event and is then reused. Sequencer thread only.
 */
final class LastValueTable
{
    private final List<ExpandableArrayBuffer> buffers = new ArrayList<>();
    private int[] lengths = new int[64];

    void put(final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        while (buffers.size() <= topic)
        {
            buffers.add(null);
        }
        ExpandableArrayBuffer value = buffers.get(topic);
        if (null == value)
        {
            value = new ExpandableArrayBuffer(Math.max(64, length));
            buffers.set(topic, value);
        }
        if (topic >= lengths.length)
        {
            final int[] grown = new int[Math.max(topic + 1, lengths.length * 2)];
            System.arraycopy(lengths, 0, grown, 0, lengths.length);
            lengths = grown;
        }
        value.putBytes(0, buffer, offset, length);
        lengths[topic] = length;
    }

    /**
     * @return length of the topic's newest event, 0 if it has none.
     */
    int length(final int topic)
    {
        return topic < lengths.length ? lengths[topic] : 0;
    }

    /**
     * The topic's newest event, {@code [0, length(topic))}; valid until the next put for the topic.
     */
    MutableDirectBuffer buffer(final int topic)
    {
        return buffers.get(topic);
    }
}
