package io.pushengine.edge.http;

import io.undertow.util.DateUtils;
import io.undertow.util.StatusCodes;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * The whole HTTP/1.1 response to a publish the edge read ahead, status line, headers and body, rendered straight into
 * a connection's output buffer: such a request never becomes an Undertow exchange, so its answer is written the way
 * Undertow would write it ({@code Connection: keep-alive}, {@code Content-Length}, {@code Content-Type} and
 * {@code Date}, and {@code Cache-Control: no-cache} on a 200, as {@link HttpResponses} sets them) without one.
 * Nothing is allocated for a 200; a rejection's reason is a string, as on the exchange path.
 * <p>
 * One per IO thread ({@link #ofThread()}). IO thread only.
 */
final class RawPublishAnswer
{
    private static final ThreadLocal<RawPublishAnswer> ON_IO_THREAD = ThreadLocal.withInitial(RawPublishAnswer::new);
    private static final int MAX_REASON_LENGTH = 1024;

    private final ExpandableArrayBuffer body = new ExpandableArrayBuffer(256);
    private final UnsafeBuffer out = new UnsafeBuffer(0, 0);
    private long dateSecond = Long.MIN_VALUE;
    private String date;

    private RawPublishAnswer()
    {
    }

    static RawPublishAnswer ofThread()
    {
        return ON_IO_THREAD.get();
    }

    /**
     * {@code 200} with {@code {"sequence":..,"topic":"..","topicSequence":..}}, as {@link PublishAnswer} renders it.
     *
     * @return the bytes put at {@code into}'s position (which moves past them), or -1 if they do not fit in its
     * remaining space (then nothing is written).
     */
    int published(final ByteBuffer into, final long sequence, final String topic, final long topicSequence)
    {
        return render(into, 200, true, PublishAnswer.putBody(body, sequence, topic, topicSequence));
    }

    /**
     * {@code status} with {@code {"status":..,"error":".."}}, as {@link HttpResponses#reject} renders it (the caller
     * counts it).
     *
     * @return as {@link #published}.
     */
    int rejected(final ByteBuffer into, final int status, final String reason)
    {
        final String shown = reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
        final byte[] json = ("{\"status\":" + status + ",\"error\":\"" + Json.escape(shown) + "\"}\n")
            .getBytes(StandardCharsets.UTF_8);
        body.putBytes(0, json);
        return render(into, status, false, json.length);
    }

    private int render(final ByteBuffer into, final int status, final boolean noCache, final int bodyLength)
    {
        final int start = into.position();
        final int room = into.limit() - start;
        final String date = date();
        final String reason = StatusCodes.getReason(status);
        final int headLength = 9 + 3 + 1 + reason.length() + 2 + // "HTTP/1.1 " status " " reason CRLF
            24 + // "Connection: keep-alive\r\n"
            (noCache ? 25 : 0) + // "Cache-Control: no-cache\r\n"
            16 + digits(bodyLength) + 2 + // "Content-Length: " n CRLF
            32 + // "Content-Type: application/json\r\n"
            6 + date.length() + 2 + // "Date: " date CRLF
            2;
        if (headLength + bodyLength > room)
        {
            return -1;
        }
        final UnsafeBuffer out = this.out;
        out.wrap(into);
        int i = start;
        i += out.putStringWithoutLengthAscii(i, "HTTP/1.1 ");
        i += out.putIntAscii(i, status);
        out.putByte(i++, (byte)' ');
        i += out.putStringWithoutLengthAscii(i, reason);
        i += out.putStringWithoutLengthAscii(i, "\r\nConnection: keep-alive\r\n");
        if (noCache)
        {
            i += out.putStringWithoutLengthAscii(i, "Cache-Control: no-cache\r\n");
        }
        i += out.putStringWithoutLengthAscii(i, "Content-Length: ");
        i += out.putIntAscii(i, bodyLength);
        i += out.putStringWithoutLengthAscii(i, "\r\nContent-Type: application/json\r\nDate: ");
        i += out.putStringWithoutLengthAscii(i, date);
        i += out.putStringWithoutLengthAscii(i, "\r\n\r\n");
        out.putBytes(i, body, 0, bodyLength);
        i += bodyLength;
        out.wrap(0, 0);
        into.position(i);
        return i - start;
    }

    /**
     * The {@code Date} header's value, rendered once a second.
     */
    private String date()
    {
        final long nowMs = System.currentTimeMillis();
        final long second = nowMs / 1000;
        if (second != dateSecond)
        {
            dateSecond = second;
            date = DateUtils.toDateString(new Date(second * 1000));
        }
        return date;
    }

    private static int digits(final int value)
    {
        int digits = 1;
        for (int v = value; v >= 10; v /= 10)
        {
            digits++;
        }
        return digits;
    }
}
