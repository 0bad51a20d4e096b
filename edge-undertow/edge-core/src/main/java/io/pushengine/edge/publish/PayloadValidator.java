package io.pushengine.edge.publish;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PriceTickDecoder;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks at ingress that a payload is what its type promises, so one bad publish cannot break a topic's readers
 * (a JSON event is rendered inline into every SSE {@code data:} line and poll answer of the topic):
 * <ul>
 *     <li>{@code TEXT}: valid UTF-8;</li>
 *     <li>{@code JSON}: valid UTF-8 holding exactly one JSON value (RFC 8259, strict: no comments, no trailing
 *     commas, no NaN), as Jackson's streaming parser decides it;</li>
 *     <li>{@code PRICE_TICK}: a whole SBE {@code PriceTick} message with its header, of our schema;</li>
 *     <li>{@code OPAQUE}: anything.</li>
 * </ul>
 * One instance per thread, or per WebSocket connection that publishes (made at its first publish), as it keeps a
 * decoder, flyweights and a scratch array; the parser factory is shared. Not thread-safe.
 * <p>
 * Every publish passes here, so a valid payload costs no allocation: {@link Utf8Check} and {@link JsonSyntaxCheck}
 * accept it in one pass each. Only what they do not accept goes to the JDK's decoder and Jackson's parser (a new
 * parser per document, about 1 KB), which give the verdict and the reason. Measured at 10,000 WebSocket publishes/s
 * before this fast path: Jackson and the decoder were about 40 % of the edge's allocation (bench/README).
 */
public final class PayloadValidator
{
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final byte[] NOTHING = new byte[0];

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private byte[] scratch = NOTHING;

    /**
     * @return null if {@code bytes[offset, offset + length)} keeps the promise of {@code type}, else why not.
     */
    public String check(final PayloadType type, final byte[] bytes, final int offset, final int length)
    {
        switch (type)
        {
            case TEXT:
                return isUtf8(bytes, offset, length) ? null : "not valid UTF-8";
            case JSON:
                if (!isUtf8(bytes, offset, length))
                {
                    return "not valid UTF-8";
                }
                return JsonSyntaxCheck.isOneValue(bytes, offset, length) ? null : checkJson(bytes, offset, length);
            case PRICE_TICK:
                return checkPriceTick(bytes, offset, length);
            default:
                return null;
        }
    }

    /**
     * As {@link #check(PayloadType, byte[], int, int)}, for a payload in a buffer (a WebSocket frame's): copied into
     * this validator's scratch array first (grown to the largest payload seen, which the edge's maximum payload length
     * bounds), not into a new one. OPAQUE is not copied.
     */
    public String check(final PayloadType type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (PayloadType.OPAQUE == type)
        {
            return null;
        }
        if (scratch.length < length)
        {
            scratch = new byte[length <= 1 << 30 ? BitUtil.findNextPositivePowerOfTwo(length) : length];
        }
        buffer.getBytes(offset, scratch, 0, length);
        return check(type, scratch, 0, length);
    }

    private boolean isUtf8(final byte[] bytes, final int offset, final int length)
    {
        if (Utf8Check.isWellFormed(bytes, offset, length))
        {
            return true;
        }
        try
        {
            utf8.reset().decode(ByteBuffer.wrap(bytes, offset, length));
            return true;
        }
        catch (final CharacterCodingException ex)
        {
            return false;
        }
    }

    private static String checkJson(final byte[] bytes, final int offset, final int length)
    {
        try (JsonParser parser = JSON.createParser(bytes, offset, length))
        {
            final JsonToken first = parser.nextToken();
            if (null == first)
            {
                return "not valid JSON: no value";
            }
            parser.skipChildren();
            if (null != parser.nextToken())
            {
                return "not valid JSON: more than one value";
            }
            return null;
        }
        catch (final JsonProcessingException ex)
        {
            return "not valid JSON: " + ex.getOriginalMessage() + " (at byte " +
                ex.getLocation().getByteOffset() + ")";
        }
        catch (final IOException ex)
        {
            return "not valid JSON: " + ex.getMessage();
        }
    }

    private String checkPriceTick(final byte[] bytes, final int offset, final int length)
    {
        view.wrap(bytes, offset, length);
        try
        {
            final int check = FrameCheck.check(headerDecoder, view, 0, length);
            if (FrameCheck.OK != check)
            {
                return "not a PriceTick message: " + FrameCheck.describe(check, headerDecoder, length);
            }
            if (PriceTickDecoder.TEMPLATE_ID != headerDecoder.templateId() ||
                length < MessageHeaderDecoder.ENCODED_LENGTH + PriceTickDecoder.BLOCK_LENGTH)
            {
                return "not a PriceTick message (SBE template " + PriceTickDecoder.TEMPLATE_ID + " with its header, " +
                    (MessageHeaderDecoder.ENCODED_LENGTH + PriceTickDecoder.BLOCK_LENGTH) + " bytes): template " +
                    headerDecoder.templateId() + ", " + length + " bytes";
            }
            return null;
        }
        finally
        {
            view.wrap(NOTHING);
        }
    }
}
