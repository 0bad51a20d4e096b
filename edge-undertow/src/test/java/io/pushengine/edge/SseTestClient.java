package io.pushengine.edge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real SSE client over the JDK HTTP client: parses the stream into events (id, event, data) and comments.
 */
final class SseTestClient implements AutoCloseable
{
    record Event(long id, String event, String data)
    {
    }

    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<String> comments = new CopyOnWriteArrayList<>();
    final List<String> heartbeats = new CopyOnWriteArrayList<>();
    /** Values of {@code retry:} fields, in order. */
    final List<String> retries = new CopyOnWriteArrayList<>();
    final HttpResponse<Stream<String>> response;
    private final Thread reader;

    SseTestClient(final URI uri) throws Exception
    {
        this(uri, null);
    }

    /**
     * @param lastEventId sent as the {@code Last-Event-ID} header, as a browser's EventSource does on reconnect.
     */
    SseTestClient(final URI uri, final String lastEventId) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        if (null != lastEventId)
        {
            request.header("Last-Event-ID", lastEventId);
        }
        response = HttpClient.newHttpClient()
            .sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
            .get(10, TimeUnit.SECONDS);
        reader = new Thread(this::read, "sse-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    private void read()
    {
        final String[] fields = new String[3];
        try
        {
            response.body().forEach(line ->
            {
                if (line.isEmpty())
                {
                    if ("$heartbeat".equals(fields[1]))
                    {
                        heartbeats.add(fields[2]);
                    }
                    else if (null != fields[2])
                    {
                        events.add(new Event(null == fields[0] ? -1 : Long.parseLong(fields[0]), fields[1], fields[2]));
                    }
                    fields[0] = fields[1] = fields[2] = null;
                }
                else if (line.startsWith(":"))
                {
                    comments.add(line);
                }
                else if (line.startsWith("retry: "))
                {
                    retries.add(line.substring(7));
                }
                else if (line.startsWith("id: "))
                {
                    fields[0] = line.substring(4);
                }
                else if (line.startsWith("event: "))
                {
                    fields[1] = line.substring(7);
                }
                else if (line.startsWith("data: "))
                {
                    fields[2] = line.substring(6);
                }
            });
        }
        catch (final RuntimeException ex)
        {
            // stream closed
        }
    }

    public void close()
    {
        response.body().close();
        reader.interrupt();
    }
}
