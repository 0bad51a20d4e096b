package io.pushengine.edge.http;

import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strict reader of pipelined publishes: it finds a whole request in place, waits for one that is still arriving,
 * and refuses anything outside the subset it understands (which Undertow then parses its own way).
 */
class PipelinedRequestTest
{
    private static final String REQUEST = "POST /publish/prices.EURUSD?type=JSON HTTP/1.1\r\n" +
        "Host: 127.0.0.1:8080\r\n" +
        "Content-Type: application/json\r\n" +
        "Content-Length: 11\r\n" +
        "Authorization: Bearer abc.def.ghi\r\n" +
        "\r\n" +
        "{\"bid\":1.1}";

    private final PipelinedRequest request = new PipelinedRequest(1024);

    @Test
    void findsAWholeRequestAndItsBodyInPlace()
    {
        final ByteBuffer buffer = direct("xx" + REQUEST + "POST /pub");

        assertEquals(REQUEST.length(), request.parse(buffer, 2, buffer.limit()));
        assertTrue(request.targetEquals(buffer, "/publish/prices.EURUSD", "type=JSON"));
        assertEquals(11, request.bodyLength());
        assertEquals("{\"bid\":1.1}", ascii(buffer, request.bodyOffset(), request.bodyLength()));
    }

    @Test
    void comparesItsTargetAndHeadersWithARequestUndertowParsedInPlace()
    {
        final ByteBuffer buffer = direct(REQUEST);
        request.parse(buffer, 0, buffer.limit());

        assertTrue(request.targetEquals(buffer, "/publish/prices.EURUSD", "type=JSON"));
        assertFalse(request.targetEquals(buffer, "/publish/prices.EURUSD", ""), "no query");
        assertFalse(request.targetEquals(buffer, "/publish/prices.EURUSD", "type=TEXT"), "another query");
        assertFalse(request.targetEquals(buffer, "/publish/prices.EURUSX", "type=JSON"), "another path");
        assertFalse(request.targetEquals(buffer, "/publish/prices.EURUS", "Dtype=JSON"), "split elsewhere");
        assertFalse(request.targetEquals(buffer, "/publish/prices.EURUSD", "type=JSONX"), "longer");
        assertFalse(request.targetEquals(buffer, "/publish/prices.EURUSD", "type=JSO\u00ce"), "beyond ASCII");

        assertTrue(request.headersEqualButContentLength(buffer, template()), "the same headers");
        assertTrue(request.headersEqualButContentLength(buffer, template().put(Headers.CONTENT_LENGTH, "99")),
            "the Content-Length is not compared");
        final HeaderMap otherCase = new HeaderMap()
            .put(new HttpString("HOST"), "127.0.0.1:8080")
            .put(new HttpString("content-type"), "application/json")
            .put(Headers.AUTHORIZATION, "Bearer abc.def.ghi");
        assertTrue(request.headersEqualButContentLength(buffer, otherCase), "names in another case");

        assertFalse(request.headersEqualButContentLength(buffer,
            template().put(Headers.AUTHORIZATION, "Bearer abc.def.ghj")), "another token");
        assertFalse(request.headersEqualButContentLength(buffer,
            template().put(Headers.AUTHORIZATION, "bearer abc.def.ghi")), "a value in another case");
        assertFalse(request.headersEqualButContentLength(buffer, template().put(Headers.ORIGIN, "http://x")),
            "a header more in the template");
        assertFalse(request.headersEqualButContentLength(buffer, template().add(Headers.CONTENT_TYPE, "text/plain")),
            "two values in the template");
        final HeaderMap fewer = template();
        fewer.remove(Headers.HOST);
        assertFalse(request.headersEqualButContentLength(buffer, fewer), "a header fewer in the template");

        final ByteBuffer spaced = direct(REQUEST.replace("Host: 127.0.0.1:8080", "Host:  \t127.0.0.1:8080 \t"));
        request.parse(spaced, 0, spaced.limit());
        assertTrue(request.headersEqualButContentLength(spaced, template()), "spaces around a value");
    }

    private static HeaderMap template()
    {
        return new HeaderMap()
            .put(Headers.HOST, "127.0.0.1:8080")
            .put(Headers.CONTENT_TYPE, "application/json")
            .put(Headers.AUTHORIZATION, "Bearer abc.def.ghi");
    }

    @Test
    void comparesHeadsWithoutTheirContentLength()
    {
        final ByteBuffer first = direct(REQUEST);
        request.parse(first, 0, first.limit());
        final byte[] head = new byte[request.headLengthButContentLength()];
        request.copyHeadButContentLength(first, head);
        assertFalse(new String(head, StandardCharsets.US_ASCII).contains("Content-Length"));

        final ByteBuffer longerBody = direct(REQUEST.replace("Content-Length: 11", "Content-Length: 13")
            .replace("1.1}", "1.125}"));
        assertEquals(longerBody.limit(), request.parse(longerBody, 0, longerBody.limit()));
        assertTrue(request.headEqualsButContentLength(longerBody, head, head.length));

        final ByteBuffer otherToken = direct(REQUEST.replace("abc.def.ghi", "abc.def.ghj"));
        assertEquals(otherToken.limit(), request.parse(otherToken, 0, otherToken.limit()));
        assertFalse(request.headEqualsButContentLength(otherToken, head, head.length));
    }

    @Test
    void waitsForARequestStillArriving()
    {
        for (int cut = 1; cut < REQUEST.length(); cut++)
        {
            final ByteBuffer buffer = direct(REQUEST.substring(0, cut));
            assertEquals(PipelinedRequest.INCOMPLETE, request.parse(buffer, 0, buffer.limit()), "cut at " + cut);
        }
    }

    @Test
    void refusesWhatItDoesNotFullyUnderstand()
    {
        for (final String other : List.of(
            REQUEST.replace("POST", "GET"),
            REQUEST.replace("HTTP/1.1", "HTTP/1.0"),
            REQUEST.replace("prices.EURUSD", "prices%2EEURUSD"),
            REQUEST.replace("prices.EURUSD", "prices EURUSD"),
            REQUEST.replace("Content-Length: 11", "Content-Length: 011x"),
            REQUEST.replace("Content-Length: 11", "Content-Length: 0"),
            REQUEST.replace("Content-Length: 11", "Content-Length: 1234567890"),
            REQUEST.replace("Content-Length: 11\r\n", ""),
            REQUEST.replace("Content-Length: 11\r\n", "Content-Length: 11\r\nContent-Length: 11\r\n"),
            REQUEST.replace("Host:", "Transfer-Encoding: chunked\r\nHost:"),
            REQUEST.replace("Host:", "Expect: 100-continue\r\nHost:"),
            REQUEST.replace("Host:", "Upgrade: websocket\r\nHost:"),
            REQUEST.replace("Host: 127.0.0.1:8080\r\n", "Host: 127.0.0.1:8080\r\n continued\r\n"),
            REQUEST.replace("Host: 127.0.0.1:8080", "Host: 127.0.0.1\n:8080"),
            REQUEST.replace("Host: 127.0.0.1:8080", "Host: caf\u00e9"),
            REQUEST.replace("Host:", "Ho st:"),
            REQUEST.replace("Host:", ": x\r\nHost:")))
        {
            final ByteBuffer buffer = direct(other);
            assertEquals(PipelinedRequest.NOT_READ_AHEAD, request.parse(buffer, 0, buffer.limit()), other);
        }
    }

    @Test
    void refusesAHeadLongerThanItsLimitAndAnyOtherMethodAtOnce()
    {
        final PipelinedRequest small = new PipelinedRequest(64);
        final ByteBuffer buffer = direct(REQUEST);
        assertEquals(PipelinedRequest.NOT_READ_AHEAD, small.parse(buffer, 0, buffer.limit()));

        final ByteBuffer get = direct("GE");
        assertEquals(PipelinedRequest.NOT_READ_AHEAD, request.parse(get, 0, get.limit()));
        final ByteBuffer post = direct("PO");
        assertEquals(PipelinedRequest.INCOMPLETE, request.parse(post, 0, post.limit()));
    }

    private static ByteBuffer direct(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 16);
        buffer.put(bytes).flip();
        return buffer;
    }

    private static String ascii(final ByteBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.get(offset, bytes, 0, length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
