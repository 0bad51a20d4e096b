package io.pushengine.edge.fanout;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The latest encoded {@code Event} message of each topic seen by this edge, for conflation and snapshots. Filled by
 * the live stream and by the engine's catalog answers ({@code LastValue}, the engine's own cache rebuilt from the
 * journal), so an edge that starts after a topic's last event still knows its value. One copy per event; no
 * allocation once a topic's buffer has grown to its largest event. Fan-out thread only.
 */
final class LastValueCache
{
    static final class Entry
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        int length;
        long globalSequence;
    }

    private final Int2ObjectHashMap<Entry> byTopic = new Int2ObjectHashMap<>();

    /**
     * A live event: always the newest.
     */
    void put(final int topic, final long globalSequence, final DirectBuffer buffer, final int offset, final int length)
    {
        Entry entry = byTopic.get(topic);
        if (null == entry)
        {
            entry = new Entry();
            byTopic.put(topic, entry);
        }
        entry.buffer.putBytes(0, buffer, offset, length);
        entry.length = length;
        entry.globalSequence = globalSequence;
    }

    /**
     * A value from the engine's cache: kept unless this edge already holds a newer one.
     *
     * @return true if kept.
     */
    boolean putIfNewer(
        final int topic, final long globalSequence, final DirectBuffer buffer, final int offset, final int length)
    {
        final Entry entry = byTopic.get(topic);
        if (null != entry && entry.globalSequence >= globalSequence)
        {
            return false;
        }
        put(topic, globalSequence, buffer, offset, length);
        return true;
    }

    Entry get(final int topic)
    {
        return byTopic.get(topic);
    }
}
