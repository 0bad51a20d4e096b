package io.pushengine.codec.json;

import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PriceTickDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Renders an event as one line of JSON, for SSE {@code data:} and the polling endpoints:
 * <pre>
 * {"sequence":42,"topic":"prices.EURUSD","topicSequence":7,"timestampNs":1700000000000000000,
 *  "type":"PRICE_TICK","payload":{"instrument":"EURUSD","bid":1.08543,...}}
 * </pre>
 * Payloads: {@code PRICE_TICK} as an object, {@code JSON} inline (line breaks turned into spaces so the line stays
 * one SSE field), {@code TEXT} as a JSON string, {@code OPAQUE} as a base64 string.
 * <p>
 * Writes into the caller's buffer, which must have room: {@link #maxLength(int)} bounds the output.
 * Allocates nothing. Not thread-safe.
 */
public final class EventJsonRenderer
{
    private static final byte[] BASE64 =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final PriceTickDecoder priceTickDecoder = new PriceTickDecoder();
    private MutableDirectBuffer out;
    private int position;

    /**
     * Upper bound of the rendered length for a payload of {@code payloadLength} bytes and a topic name of at most
     * 128 characters (text escaping as {@code \\u00XX} is the worst case: 6 bytes per input byte).
     */
    public static int maxLength(final int payloadLength)
    {
        return 512 + 6 * payloadLength;
    }

    /**
     * @return bytes written at {@code offset}.
     */
    public int render(
        final MutableDirectBuffer out,
        final int offset,
        final long globalSequence,
        final String topicName,
        final long topicSequence,
        final long timestampNs,
        final PayloadType payloadType,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        this.out = out;
        this.position = offset;

        ascii("{\"sequence\":");
        position += out.putLongAscii(position, globalSequence);
        ascii(",\"topic\":\"");
        ascii(topicName);
        ascii("\",\"topicSequence\":");
        position += out.putLongAscii(position, topicSequence);
        ascii(",\"timestampNs\":");
        position += out.putLongAscii(position, timestampNs);
        ascii(",\"type\":\"");
        ascii(payloadType.name());
        ascii("\",\"payload\":");

        switch (payloadType)
        {
            case PRICE_TICK:
                if (!renderPriceTick(payload, payloadOffset, payloadLength))
                {
                    base64String(payload, payloadOffset, payloadLength);
                }
                break;
            case JSON:
                inlineJson(payload, payloadOffset, payloadLength);
                break;
            case TEXT:
                jsonString(payload, payloadOffset, payloadLength);
                break;
            default:
                base64String(payload, payloadOffset, payloadLength);
                break;
        }

        out.putByte(position++, (byte)'}');
        return position - offset;
    }

    private boolean renderPriceTick(final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        if (payloadLength < MessageHeaderDecoder.ENCODED_LENGTH + PriceTickDecoder.BLOCK_LENGTH)
        {
            return false;
        }
        headerDecoder.wrap(payload, payloadOffset);
        if (headerDecoder.schemaId() != PriceTickDecoder.SCHEMA_ID ||
            headerDecoder.templateId() != PriceTickDecoder.TEMPLATE_ID)
        {
            return false;
        }
        priceTickDecoder.wrapAndApplyHeader(payload, payloadOffset, headerDecoder);

        ascii("{\"instrument\":\"");
        for (int i = 0; i < PriceTickDecoder.instrumentLength(); i++)
        {
            final byte c = priceTickDecoder.instrument(i);
            if (c == 0)
            {
                break;
            }
            if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
            {
                out.putByte(position++, c);
            }
        }
        ascii("\",\"bid\":");
        decimal(priceTickDecoder.bid().mantissa(), priceTickDecoder.bid().exponent());
        ascii(",\"ask\":");
        decimal(priceTickDecoder.ask().mantissa(), priceTickDecoder.ask().exponent());
        ascii(",\"bidSize\":");
        position += out.putLongAscii(position, priceTickDecoder.bidSize());
        ascii(",\"askSize\":");
        position += out.putLongAscii(position, priceTickDecoder.askSize());
        ascii(",\"timestampNs\":");
        position += out.putLongAscii(position, priceTickDecoder.timestampNs());
        out.putByte(position++, (byte)'}');
        return true;
    }

    /**
     * mantissa * 10^exponent as a JSON number without going through double (no rounding, no allocation).
     */
    private void decimal(final long mantissa, final byte exponent)
    {
        if (exponent >= 0 || mantissa == 0)
        {
            position += out.putLongAscii(position, mantissa);
            for (int i = 0; i < exponent && mantissa != 0; i++)
            {
                out.putByte(position++, (byte)'0');
            }
            return;
        }

        final int scale = -exponent;
        final int start = position;
        if (mantissa < 0)
        {
            out.putByte(position++, (byte)'-');
        }
        final int digitsStart = position;
        final int digits = out.putLongAscii(position, mantissa < 0 ? -mantissa : mantissa);
        position += digits;
        if (digits <= scale)
        {
            final int pad = scale - digits + 1;
            for (int i = digits - 1; i >= 0; i--)
            {
                out.putByte(digitsStart + i + pad, out.getByte(digitsStart + i));
            }
            for (int i = 0; i < pad; i++)
            {
                out.putByte(digitsStart + i, (byte)'0');
            }
            position += pad;
        }
        final int pointAt = position - scale;
        for (int i = position - 1; i >= pointAt; i--)
        {
            out.putByte(i + 1, out.getByte(i));
        }
        out.putByte(pointAt, (byte)'.');
        position++;
        assert position > start;
    }

    private void inlineJson(final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        if (payloadLength == 0)
        {
            ascii("null");
            return;
        }
        for (int i = 0; i < payloadLength; i++)
        {
            final byte b = payload.getByte(payloadOffset + i);
            out.putByte(position++, b == '\n' || b == '\r' ? (byte)' ' : b);
        }
    }

    private void jsonString(final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        out.putByte(position++, (byte)'"');
        for (int i = 0; i < payloadLength; i++)
        {
            final byte b = payload.getByte(payloadOffset + i);
            if (b == '"' || b == '\\')
            {
                out.putByte(position++, (byte)'\\');
                out.putByte(position++, b);
            }
            else if (b >= 0 && b < 0x20)
            {
                out.putByte(position++, (byte)'\\');
                out.putByte(position++, (byte)'u');
                out.putByte(position++, (byte)'0');
                out.putByte(position++, (byte)'0');
                out.putByte(position++, HEX[(b >> 4) & 0xF]);
                out.putByte(position++, HEX[b & 0xF]);
            }
            else
            {
                out.putByte(position++, b);
            }
        }
        out.putByte(position++, (byte)'"');
    }

    private void base64String(final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        out.putByte(position++, (byte)'"');
        int i = 0;
        for (; i + 2 < payloadLength; i += 3)
        {
            final int bits = (payload.getByte(payloadOffset + i) & 0xFF) << 16 |
                (payload.getByte(payloadOffset + i + 1) & 0xFF) << 8 |
                (payload.getByte(payloadOffset + i + 2) & 0xFF);
            out.putByte(position++, BASE64[(bits >>> 18) & 0x3F]);
            out.putByte(position++, BASE64[(bits >>> 12) & 0x3F]);
            out.putByte(position++, BASE64[(bits >>> 6) & 0x3F]);
            out.putByte(position++, BASE64[bits & 0x3F]);
        }
        final int remaining = payloadLength - i;
        if (remaining > 0)
        {
            final int bits = (payload.getByte(payloadOffset + i) & 0xFF) << 16 |
                (remaining == 2 ? (payload.getByte(payloadOffset + i + 1) & 0xFF) << 8 : 0);
            out.putByte(position++, BASE64[(bits >>> 18) & 0x3F]);
            out.putByte(position++, BASE64[(bits >>> 12) & 0x3F]);
            out.putByte(position++, remaining == 2 ? BASE64[(bits >>> 6) & 0x3F] : (byte)'=');
            out.putByte(position++, (byte)'=');
        }
        out.putByte(position++, (byte)'"');
    }

    private void ascii(final String value)
    {
        position += out.putStringWithoutLengthAscii(position, value);
    }
}
