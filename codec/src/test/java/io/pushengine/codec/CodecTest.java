package io.pushengine.codec;

import io.pushengine.codec.json.EventJsonRenderer;
import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PriceTickEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodecTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();

    @Test
    void frameCheckRejectsShortFramesUnknownSchemasAndVersions()
    {
        final int length = encodeEvent(buffer, 1, "x");
        assertEquals(FrameCheck.OK, FrameCheck.check(header, buffer, 0, length));
        assertEquals(FrameCheck.TOO_SHORT, FrameCheck.check(header, buffer, 0, 7));
        assertEquals(FrameCheck.TRUNCATED_BLOCK, FrameCheck.check(header, buffer, 0, 20));

        buffer.putShort(4, (short)42);
        assertEquals(FrameCheck.UNKNOWN_SCHEMA, FrameCheck.check(header, buffer, 0, length));
        assertEquals("unknown SBE schema id 42, expected 7101", FrameCheck.describe(FrameCheck.UNKNOWN_SCHEMA, header, length));

        encodeEvent(buffer, 1, "x");
        buffer.putShort(6, (short)99);
        assertEquals(FrameCheck.UNSUPPORTED_VERSION, FrameCheck.check(header, buffer, 0, length));
        assertTrue(FrameCheck.describe(FrameCheck.UNSUPPORTED_VERSION, header, length).contains("version 99"));
    }

    @Test
    void batchFrameOfEventBodiesDecodesWithTheGeneratedBatchDecoder()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[256]);
        final BatchFrameBuilder builder = new BatchFrameBuilder().begin(frame, 0, 256, 77);
        for (int i = 1; i <= 3; i++)
        {
            final int length = encodeEvent(buffer, i, "p" + i);
            assertTrue(builder.tryAppendEventBody(buffer, MessageHeaderDecoder.ENCODED_LENGTH,
                length - MessageHeaderDecoder.ENCODED_LENGTH));
        }
        final int bigLength = encodeEvent(buffer, 4, "y".repeat(200));
        assertFalse(builder.tryAppendEventBody(buffer, 8, bigLength - 8), "refuses what does not fit");
        final int frameLength = builder.finish();

        final BatchDecoder batch = new BatchDecoder().wrapAndApplyHeader(frame, 0, header);
        assertEquals(77, batch.sentTimestampNs());
        int expected = 1;
        for (final BatchDecoder.EventsDecoder event : batch.events())
        {
            assertEquals(expected, event.globalSequence());
            assertEquals(expected * 10L, event.topicSequence());
            assertEquals(PayloadType.TEXT, event.payloadType());
            final byte[] payload = new byte[event.payloadLength()];
            event.getPayload(payload, 0, payload.length);
            assertEquals("p" + expected, new String(payload, StandardCharsets.UTF_8));
            expected++;
        }
        assertEquals(4, expected);
        assertEquals(frameLength, batch.limit(), "the frame ends where the decoder ends");
    }

    @Test
    void jsonRendersPriceTicksWithExactDecimals()
    {
        assertEquals("1.08543", renderPrice(108_543, -5));
        assertEquals("0.00042", renderPrice(42, -5));
        assertEquals("-0.5", renderPrice(-5, -1));
        assertEquals("12300", renderPrice(123, 2));
        assertEquals("7", renderPrice(7, 0));
        assertEquals("0", renderPrice(0, -3));
    }

    @Test
    void jsonEscapesTextAndInlinesJsonOnOneLine()
    {
        assertEquals("\"say \\\"hi\\\"\\u000a\"", renderPayload(PayloadType.TEXT, "say \"hi\"\n"));
        assertEquals("{\"a\": 1}", renderPayload(PayloadType.JSON, "{\"a\":\n1}"));
        assertEquals("\"AQID\"", renderPayload(PayloadType.OPAQUE, new String(new byte[]{ 1, 2, 3 }, StandardCharsets.ISO_8859_1)));
        assertEquals("\"AQI=\"", renderPayload(PayloadType.OPAQUE, new String(new byte[]{ 1, 2 }, StandardCharsets.ISO_8859_1)));
    }

    @Test
    void topicNamesAreValidated()
    {
        assertEquals(null, TopicNames.validate("prices.EUR-USD:1_a"));
        assertTrue(TopicNames.validate("").contains("empty"));
        assertTrue(TopicNames.validate("a b").contains("' ' at 1"));
        assertTrue(TopicNames.validate("x".repeat(129)).contains("longer than 128"));
    }

    private String renderPrice(final long mantissa, final int exponent)
    {
        final UnsafeBuffer tick = new UnsafeBuffer(new byte[128]);
        final PriceTickEncoder encoder = new PriceTickEncoder().wrapAndApplyHeader(tick, 0, new MessageHeaderEncoder());
        encoder.bid().mantissa(mantissa).exponent((byte)exponent);
        encoder.ask().mantissa(1).exponent((byte)0);
        encoder.putInstrument(Arrays.copyOf("EURUSD".getBytes(StandardCharsets.US_ASCII), 16), 0);
        final String json = render(PayloadType.PRICE_TICK, tick, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        final int start = json.indexOf("\"bid\":") + 6;
        return json.substring(start, json.indexOf(',', start));
    }

    private String renderPayload(final PayloadType type, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.ISO_8859_1);
        final String json = render(type, new UnsafeBuffer(bytes), bytes.length);
        return json.substring(json.indexOf("\"payload\":") + 10, json.length() - 1);
    }

    private static String render(final PayloadType type, final UnsafeBuffer payload, final int length)
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(EventJsonRenderer.maxLength(length));
        final int rendered = new EventJsonRenderer().render(out, 0, 5, "t", 6, 7, type, payload, 0, length);
        return out.getStringWithoutLengthUtf8(0, rendered);
    }

    private static int encodeEvent(final UnsafeBuffer buffer, final long sequence, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        final EventEncoder encoder = new EventEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .globalSequence(sequence)
            .topic(3)
            .topicSequence(sequence * 10)
            .timestampNs(123)
            .payloadType(PayloadType.TEXT)
            .putPayload(bytes, 0, bytes.length);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
