package io.pushengine.codec;

import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PublishRequestDecoder;
import io.pushengine.codec.sbe.PublishRequestEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A topic name read from a message is the same {@code String} while its slot keeps it, always the name its bytes
 * spell (also after a colliding name took the slot), and decoded as the generated decoder decodes it.
 */
class TopicNameCacheTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);

    @Test
    void aNameThatComesAgainIsTheSameStringWhereverItLies()
    {
        final TopicNameCache cache = new TopicNameCache();
        final String first = cache.name(buffer, 0, put(0, "prices.EURUSD"));
        final String again = cache.name(buffer, 100, put(100, "prices.EURUSD"));

        assertEquals("prices.EURUSD", first);
        assertSame(first, again, "found by its bytes, not decoded again");
        assertEquals("prices.GBPUSD", cache.name(buffer, 0, put(0, "prices.GBPUSD")));
        assertEquals("", cache.name(buffer, 0, 0));
    }

    @Test
    void namesThatShareASlotReplaceEachOtherAndStayRight()
    {
        final TopicNameCache cache = new TopicNameCache(1);
        final String a = cache.name(buffer, 0, put(0, "a"));
        final String b = cache.name(buffer, 0, put(0, "b"));
        final String aAgain = cache.name(buffer, 0, put(0, "a"));

        assertEquals("a", a);
        assertEquals("b", b);
        assertEquals("a", aAgain);
        assertNotSame(a, aAgain, "b took the only slot, so a was decoded again");
        assertEquals("ab", cache.name(buffer, 0, put(0, "ab")), "same first byte, longer");
        assertEquals("ba", cache.name(buffer, 0, put(0, "ba")), "same bytes, other order");
    }

    @Test
    void decodesAsTheGeneratedDecoderDoes()
    {
        final byte[] name = { 'p', 'x', '.', (byte)0xC3, (byte)0xA9, 0x7F };
        final PublishRequestEncoder encoder = new PublishRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(1).timestampNs(2);
        encoder.putTopicName(name, 0, name.length);
        final PublishRequestDecoder decoder = new PublishRequestDecoder()
            .wrap(buffer, MessageHeaderEncoder.ENCODED_LENGTH, encoder.sbeBlockLength(), encoder.sbeSchemaVersion());
        final int offset = decoder.limit() + PublishRequestDecoder.topicNameHeaderLength();
        final String generated = decoder.topicName();

        assertEquals(generated, new TopicNameCache().name(buffer, offset, name.length));
    }

    private int put(final int offset, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        buffer.putBytes(offset, bytes);
        return bytes.length;
    }
}
