package io.pushengine.edge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 answer read off a raw socket by tests that write requests byte by byte (pipelines, bodies in pieces).
 */
final class HttpAnswer
{
    final int status;
    final String statusLine;
    final Map<String, String> headers; // by lower-case name
    final String body;

    private HttpAnswer(
        final int status, final String statusLine, final Map<String, String> headers, final String body)
    {
        this.status = status;
        this.statusLine = statusLine;
        this.headers = headers;
        this.body = body;
    }

    /**
     * Read one answer: status line, headers, and a body of its {@code Content-Length}.
     *
     * @throws IOException if the connection closes before a whole answer (the message says after what).
     */
    static HttpAnswer read(final InputStream in) throws IOException
    {
        final String statusLine = line(in);
        final int status = Integer.parseInt(statusLine.split(" ")[1]);
        int contentLength = 0;
        final Map<String, String> headers = new TreeMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in))
        {
            final int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).toLowerCase(), header.substring(colon + 1).trim());
            if (header.toLowerCase().startsWith("content-length:"))
            {
                contentLength = Integer.parseInt(header.substring(15).trim());
            }
        }
        final byte[] body = in.readNBytes(contentLength);
        return new HttpAnswer(status, statusLine, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(final InputStream in) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read())
        {
            if (b < 0)
            {
                throw new IOException("connection closed after: " + line);
            }
            if (b != '\r')
            {
                line.append((char)b);
            }
        }
        return line.toString();
    }

    public String toString()
    {
        return status + " " + body;
    }
}
