package io.pushengine.edge.http;

import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A strict reader of one pipelined HTTP/1.1 request in a buffer, for reading publishes ahead
 * ({@link PublishReadAhead}): it finds where a request's head and body end, in place, and refuses anything it does
 * not fully understand, which Undertow then parses as usual when its turn comes. It accepts only a subset of what
 * Undertow accepts:
 * <ul>
 *     <li>the request line {@code POST SP target SP HTTP/1.1 CRLF}, the target of unreserved characters
 *     ({@code A-Z a-z 0-9 - . _ ~ /}) and an optional query of those and {@code = &} (so no percent-decoding can
 *     make two spellings mean one thing);</li>
 *     <li>header lines {@code name ":" OWS value OWS CRLF}: a token name, a value of visible ASCII, spaces and tabs,
 *     no folding;</li>
 *     <li>exactly one {@code Content-Length} of 1 to 9 digits, above zero; no {@code Transfer-Encoding},
 *     {@code Expect} or {@code Upgrade};</li>
 *     <li>the whole body present.</li>
 * </ul>
 * Single threaded; one per connection being read ahead. Positions are absolute indices into the buffer.
 */
final class PipelinedRequest
{
    /** Could become a request to read ahead once more bytes arrive. */
    static final int INCOMPLETE = 0;
    /** Not one to read ahead: leave it, and what follows it, to Undertow. */
    static final int NOT_READ_AHEAD = -1;

    private static final byte[] POST_SP = "POST ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SP_HTTP_1_1_CRLF = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXPECT = "expect".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UPGRADE = "upgrade".getBytes(StandardCharsets.US_ASCII);
    private static final boolean[] TOKEN = new boolean[128];
    private static final boolean[] PATH = new boolean[128];
    private static final boolean[] QUERY = new boolean[128];

    static
    {
        for (int c = '0'; c <= '9'; c++)
        {
            TOKEN[c] = PATH[c] = QUERY[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++)
        {
            TOKEN[c] = PATH[c] = QUERY[c] = true;
            TOKEN[c - 32] = PATH[c - 32] = QUERY[c - 32] = true;
        }
        for (final char c : "!#$%&'*+-.^_`|~".toCharArray())
        {
            TOKEN[c] = true;
        }
        for (final char c : "-._~/".toCharArray())
        {
            PATH[c] = QUERY[c] = true;
        }
        QUERY['='] = QUERY['&'] = true;
    }

    private final int maxHeadLength;
    private int targetOffset;
    private int targetLength;
    private int queryOffset;
    private int headOffset;
    private int headLength;
    private int headersOffset;
    private int contentLengthLineOffset;
    private int contentLengthLineLength;
    private int bodyOffset;
    private int bodyLength;

    /**
     * @param maxHeadLength a head (request line and headers) not complete within this many bytes is not read ahead.
     */
    PipelinedRequest(final int maxHeadLength)
    {
        this.maxHeadLength = maxHeadLength;
    }

    /**
     * Read the request that starts at {@code from}.
     *
     * @return its whole length (head and body) if it is one to read ahead and all of it is in
     * {@code [from, limit)}, else {@link #INCOMPLETE} or {@link #NOT_READ_AHEAD}.
     */
    int parse(final ByteBuffer buffer, final int from, final int limit)
    {
        final int available = limit - from;
        for (int i = 0, n = Math.min(available, POST_SP.length); i < n; i++)
        {
            if (buffer.get(from + i) != POST_SP[i])
            {
                return NOT_READ_AHEAD;
            }
        }
        final int headEnd = endOfHead(buffer, from, Math.min(limit, from + maxHeadLength));
        if (headEnd < 0)
        {
            return available >= maxHeadLength ? NOT_READ_AHEAD : INCOMPLETE;
        }

        int i = from + POST_SP.length;
        targetOffset = i;
        while (i < headEnd && buffer.get(i) != ' ')
        {
            i++;
        }
        targetLength = i - targetOffset;
        if (!isTarget(buffer, targetOffset, targetLength) || !matches(buffer, i, SP_HTTP_1_1_CRLF))
        {
            return NOT_READ_AHEAD;
        }
        i += SP_HTTP_1_1_CRLF.length;
        headersOffset = i;
        contentLengthLineOffset = -1;
        long contentLength = -1;
        while (i < headEnd)
        {
            final int lineEnd = endOfLine(buffer, i, headEnd + 2);
            if (lineEnd < 0)
            {
                return NOT_READ_AHEAD;
            }
            final int colon = headerNameEnd(buffer, i, lineEnd);
            if (colon <= i)
            {
                return NOT_READ_AHEAD;
            }
            if (equalsIgnoreCase(buffer, i, colon, CONTENT_LENGTH))
            {
                if (contentLengthLineOffset >= 0)
                {
                    return NOT_READ_AHEAD;
                }
                contentLength = digits(buffer, colon + 1, lineEnd);
                if (contentLength <= 0)
                {
                    return NOT_READ_AHEAD;
                }
                contentLengthLineOffset = i;
                contentLengthLineLength = lineEnd + 2 - i;
            }
            else if (equalsIgnoreCase(buffer, i, colon, TRANSFER_ENCODING) ||
                equalsIgnoreCase(buffer, i, colon, EXPECT) || equalsIgnoreCase(buffer, i, colon, UPGRADE) ||
                !isFieldValue(buffer, colon + 1, lineEnd))
            {
                return NOT_READ_AHEAD;
            }
            i = lineEnd + 2;
        }
        if (contentLength < 0)
        {
            return NOT_READ_AHEAD;
        }
        headOffset = from;
        headLength = headEnd + 4 - from;
        bodyOffset = headEnd + 4;
        bodyLength = (int)contentLength;
        final long end = (long)bodyOffset + bodyLength;
        return end > limit ? INCOMPLETE : (int)(end - from);
    }

    /**
     * @return true if the request's target is {@code path}, followed by {@code ?} and {@code query} if the query is
     * not empty (as Undertow splits a target it parsed). Compares in place.
     */
    boolean targetEquals(final ByteBuffer buffer, final String path, final String query)
    {
        final int pathLength = path.length();
        final int expectedLength = query.isEmpty() ? pathLength : pathLength + 1 + query.length();
        if (targetLength != expectedLength || !equalsAscii(buffer, targetOffset, path))
        {
            return false;
        }
        return query.isEmpty() ||
            buffer.get(targetOffset + pathLength) == '?' && equalsAscii(buffer, targetOffset + pathLength + 1, query);
    }

    int bodyOffset()
    {
        return bodyOffset;
    }

    int bodyLength()
    {
        return bodyLength;
    }

    /**
     * @return true if the head's header lines but its {@code Content-Length} are those of {@code template} but its
     * {@code Content-Length}: as many, each with a name the template has (in any case) with that one value (without
     * the line's leading and trailing spaces and tabs). Compares in place, for a request Undertow parsed.
     */
    boolean headersEqualButContentLength(final ByteBuffer buffer, final HeaderMap template)
    {
        int templateCount = 0;
        for (long cookie = template.fastIterateNonEmpty(); cookie != -1L; cookie = template.fiNextNonEmpty(cookie))
        {
            final HeaderValues values = template.fiCurrent(cookie);
            if (!values.getHeaderName().equals(Headers.CONTENT_LENGTH))
            {
                templateCount += values.size();
            }
        }
        final int headersEnd = headOffset + headLength - 2;
        int count = 0;
        int i = headersOffset;
        while (i < headersEnd)
        {
            final int lineEnd = endOfLine(buffer, i, headersEnd + 2);
            if (i != contentLengthLineOffset)
            {
                count++;
                final int colon = headerNameEnd(buffer, i, lineEnd);
                final HeaderValues values = find(template, buffer, i, colon);
                if (null == values || values.size() != 1 || !valueEquals(buffer, colon + 1, lineEnd, values.getFirst()))
                {
                    return false;
                }
            }
            i = lineEnd + 2;
        }
        return count == templateCount;
    }

    /**
     * @return the head's length without its {@code Content-Length} line.
     */
    int headLengthButContentLength()
    {
        return headLength - contentLengthLineLength;
    }

    /**
     * Copy the head without its {@code Content-Length} line.
     */
    void copyHeadButContentLength(final ByteBuffer buffer, final byte[] into)
    {
        int j = 0;
        for (int i = headOffset, end = headOffset + headLength; i < end; i++)
        {
            if (i == contentLengthLineOffset)
            {
                i += contentLengthLineLength - 1;
                continue;
            }
            into[j++] = buffer.get(i);
        }
    }

    /**
     * @return true if the head, without its {@code Content-Length} line, is byte for byte {@code head[0, length)}.
     */
    boolean headEqualsButContentLength(final ByteBuffer buffer, final byte[] head, final int length)
    {
        if (headLengthButContentLength() != length)
        {
            return false;
        }
        int j = 0;
        for (int i = headOffset, end = headOffset + headLength; i < end; i++)
        {
            if (i == contentLengthLineOffset)
            {
                i += contentLengthLineLength - 1;
                continue;
            }
            if (buffer.get(i) != head[j++])
            {
                return false;
            }
        }
        return true;
    }

    private static int endOfHead(final ByteBuffer buffer, final int from, final int limit)
    {
        for (int i = from; i + 3 < limit; i++)
        {
            if (buffer.get(i) == '\r' && buffer.get(i + 1) == '\n' && buffer.get(i + 2) == '\r' &&
                buffer.get(i + 3) == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return the index of the CR of the CRLF that ends the line starting at {@code from}, or -1 if the line holds
     * a bare CR or LF.
     */
    private static int endOfLine(final ByteBuffer buffer, final int from, final int limit)
    {
        for (int i = from; i + 1 < limit; i++)
        {
            final byte b = buffer.get(i);
            if (b == '\r')
            {
                return buffer.get(i + 1) == '\n' ? i : -1;
            }
            if (b == '\n')
            {
                return -1;
            }
        }
        return -1;
    }

    /**
     * @return the index of the colon after a token name, or -1.
     */
    private static int headerNameEnd(final ByteBuffer buffer, final int from, final int lineEnd)
    {
        for (int i = from; i < lineEnd; i++)
        {
            final byte b = buffer.get(i);
            if (b == ':')
            {
                return i;
            }
            if (b < 0 || !TOKEN[b])
            {
                return -1;
            }
        }
        return -1;
    }

    private static boolean isFieldValue(final ByteBuffer buffer, final int from, final int lineEnd)
    {
        for (int i = from; i < lineEnd; i++)
        {
            final byte b = buffer.get(i);
            if ((b < 0x21 || b > 0x7E) && b != ' ' && b != '\t')
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isTarget(final ByteBuffer buffer, final int offset, final int length)
    {
        if (length < 2 || buffer.get(offset) != '/')
        {
            return false;
        }
        boolean[] allowed = PATH;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            final byte b = buffer.get(i);
            if (b == '?' && allowed == PATH)
            {
                allowed = QUERY;
            }
            else if (b < 0 || !allowed[b])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the value of a field of 1 to 9 digits between optional spaces and tabs, or -1.
     */
    private static long digits(final ByteBuffer buffer, final int from, final int lineEnd)
    {
        int i = from;
        int end = lineEnd;
        while (i < end && (buffer.get(i) == ' ' || buffer.get(i) == '\t'))
        {
            i++;
        }
        while (end > i && (buffer.get(end - 1) == ' ' || buffer.get(end - 1) == '\t'))
        {
            end--;
        }
        if (end == i || end - i > 9)
        {
            return -1;
        }
        long value = 0;
        for (; i < end; i++)
        {
            final byte b = buffer.get(i);
            if (b < '0' || b > '9')
            {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static boolean matches(final ByteBuffer buffer, final int offset, final byte[] expected)
    {
        if (offset + expected.length > buffer.limit())
        {
            return false;
        }
        for (int i = 0; i < expected.length; i++)
        {
            if (buffer.get(offset + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsIgnoreCase(
        final ByteBuffer buffer, final int from, final int to, final byte[] lowerCaseName)
    {
        if (to - from != lowerCaseName.length)
        {
            return false;
        }
        for (int i = 0; i < lowerCaseName.length; i++)
        {
            byte b = buffer.get(from + i);
            if (b >= 'A' && b <= 'Z')
            {
                b += 32;
            }
            if (b != lowerCaseName[i])
            {
                return false;
            }
        }
        return true;
    }

    private static HeaderValues find(
        final HeaderMap headers, final ByteBuffer buffer, final int nameFrom, final int nameTo)
    {
        for (long cookie = headers.fastIterateNonEmpty(); cookie != -1L; cookie = headers.fiNextNonEmpty(cookie))
        {
            final HeaderValues values = headers.fiCurrent(cookie);
            final HttpString name = values.getHeaderName();
            if (name.length() == nameTo - nameFrom && nameEqualsIgnoreCase(buffer, nameFrom, name))
            {
                return values;
            }
        }
        return null;
    }

    private static boolean nameEqualsIgnoreCase(final ByteBuffer buffer, final int from, final HttpString name)
    {
        for (int i = 0, n = name.length(); i < n; i++)
        {
            if (lowerCase(buffer.get(from + i)) != lowerCase(name.byteAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    private static byte lowerCase(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
    }

    /**
     * @return true if the field value in {@code [from, lineEnd)}, without leading and trailing spaces and tabs, is
     * {@code value}.
     */
    private static boolean valueEquals(final ByteBuffer buffer, final int from, final int lineEnd, final String value)
    {
        int i = from;
        int end = lineEnd;
        while (i < end && (buffer.get(i) == ' ' || buffer.get(i) == '\t'))
        {
            i++;
        }
        while (end > i && (buffer.get(end - 1) == ' ' || buffer.get(end - 1) == '\t'))
        {
            end--;
        }
        return end - i == value.length() && equalsAscii(buffer, i, value);
    }

    /**
     * @return true if {@code buffer} holds {@code expected} from {@code offset}, one byte a character (a character
     * beyond ASCII never matches).
     */
    private static boolean equalsAscii(final ByteBuffer buffer, final int offset, final String expected)
    {
        for (int i = 0, n = expected.length(); i < n; i++)
        {
            final char c = expected.charAt(i);
            if (c > 0x7F || buffer.get(offset + i) != (byte)c)
            {
                return false;
            }
        }
        return true;
    }
}
