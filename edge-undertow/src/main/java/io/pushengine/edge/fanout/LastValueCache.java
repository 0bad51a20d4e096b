package io.pushengine.edge.fanout;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The latest encoded {@code Event} message of each topic seen by this edge, for conflation (and later snapshots).
 * One copy per event; no allocation once a topic's buffer has grown to its largest event. Fan-out thread only.
 */
final class LastValueCache
{
    static final class Entry
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        int length;
    }

    private final Int2ObjectHashMap<Entry> byTopic = new Int2ObjectHashMap<>();

    void put(final int topic, final DirectBuffer buffer, final int offset, final int length)
    {
        Entry entry = byTopic.get(topic);
        if (null == entry)
        {
            entry = new Entry();
            byTopic.put(topic, entry);
        }
        entry.buffer.putBytes(0, buffer, offset, length);
        entry.length = length;
    }

    Entry get(final int topic)
    {
        return byTopic.get(topic);
    }
}
