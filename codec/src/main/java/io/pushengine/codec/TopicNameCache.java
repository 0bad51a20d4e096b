package io.pushengine.codec;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The {@code String} of a topic name read from a message, without a new one per message: the names a publisher sends
 * repeat, so each is decoded once and then found by its bytes. Direct-mapped by a hash of the bytes: a name that
 * collides replaces the slot's (and allocates, as decoding always did); memory is bounded by the slot count and the
 * longest names. Decodes as the schema declares the name fields, US-ASCII (a byte above 0x7F becomes U+FFFD, as
 * the generated {@code topicName()} gives). Not thread safe: one per thread (a sequencer's, an IO thread's).
 */
public final class TopicNameCache
{
    /**
     * Slots of a cache made with the no-argument constructor.
     */
    public static final int DEFAULT_SLOTS = 1024;

    private final byte[][] keys;
    private final String[] names;
    private final int mask;

    public TopicNameCache()
    {
        this(DEFAULT_SLOTS);
    }

    /**
     * @param slots names it keeps at most, rounded up to a power of two.
     */
    public TopicNameCache(final int slots)
    {
        final int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(1, slots));
        keys = new byte[capacity][];
        names = new String[capacity];
        mask = capacity - 1;
    }

    /**
     * @return the name held in {@code buffer[offset, offset + length)}: the same {@code String} each time its bytes
     * come again while its slot keeps it.
     */
    public String name(final DirectBuffer buffer, final int offset, final int length)
    {
        int hash = length;
        for (int i = 0; i < length; i++)
        {
            hash = 31 * hash + buffer.getByte(offset + i);
        }
        final int slot = (hash ^ (hash >>> 16)) & mask;
        final byte[] key = keys[slot];
        if (null != key && key.length == length && sameBytes(key, buffer, offset))
        {
            return names[slot];
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        final String name = new String(bytes, StandardCharsets.US_ASCII);
        keys[slot] = bytes;
        names[slot] = name;
        return name;
    }

    private static boolean sameBytes(final byte[] key, final DirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < key.length; i++)
        {
            if (key[i] != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }
}
