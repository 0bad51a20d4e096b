package io.pushengine.edge.sse;

import io.pushengine.edge.EdgeCounters;
import io.pushengine.auth.AccessGrant;
import io.pushengine.edge.admission.Admission;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.fanout.SessionCommand;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.EdgeIoThreads;
import io.pushengine.edge.http.StreamCompression;
import io.pushengine.edge.http.StreamParameters;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlushers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;

/**
 * {@code GET /sse?topics=a,b}: a {@code text/event-stream} of {@code id:} (global sequence), {@code event:} (topic)
 * and {@code data:} (the event as JSON), with comment heartbeats while idle.
 */
public final class SseEndpoint implements HttpHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(SseEndpoint.class);
    private static final HttpString X_ACCEL_BUFFERING = new HttpString("X-Accel-Buffering");

    private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;
    private final EdgeCounters counters;
    private final AtomicLong sessionIds;
    private final int initialRingCapacity;
    private final int ringCapacity;
    private final StreamParameters parameters;
    private final IoThreadFlushers flushers;
    private final EdgeIoThreads ioThreads;
    private final StreamCompression compression;

    public SseEndpoint(
        final ManyToOneConcurrentArrayQueue<SessionCommand> commands,
        final EdgeCounters counters,
        final AtomicLong sessionIds,
        final int initialRingCapacity,
        final int ringCapacity,
        final StreamParameters parameters,
        final IoThreadFlushers flushers,
        final EdgeIoThreads ioThreads,
        final StreamCompression compression)
    {
        this.compression = compression;
        this.flushers = flushers;
        this.ioThreads = ioThreads;
        this.parameters = parameters;
        this.commands = commands;
        this.counters = counters;
        this.sessionIds = sessionIds;
        this.initialRingCapacity = initialRingCapacity;
        this.ringCapacity = ringCapacity;
    }

    public void handleRequest(final HttpServerExchange exchange)
    {
        if (!Methods.GET.equals(exchange.getRequestMethod()))
        {
            HttpResponses.reject(exchange, 405, "use GET for /sse", counters);
            return;
        }
        final ConnectionOptions options;
        try
        {
            options = parameters.parse(exchange, true);
        }
        catch (final IllegalArgumentException ex)
        {
            HttpResponses.reject(exchange, 400, ex.getMessage(), counters);
            return;
        }
        // dispatched so that Undertow does not end the exchange when this handler returns: the stream stays open
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> open(exchange, options));
    }

    private void open(final HttpServerExchange exchange, final ConnectionOptions options)
    {
        exchange.setPersistent(false);
        exchange.getResponseHeaders()
            .put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8")
            .put(Headers.CACHE_CONTROL, "no-cache")
            .put(X_ACCEL_BUFFERING, "no");
        final GzipEventStream gzip = gzipFor(exchange);
        final StreamSinkChannel sink = exchange.getResponseChannel();
        final SseSession session = new SseSession(
            sessionIds.incrementAndGet(), exchange, flushers.forThread(ioThreads.of(exchange.getIoThread())),
            sink, initialRingCapacity, ringCapacity, counters.fanOut().ringBytes(), options, counters, gzip);
        if (!commands.offer(SessionCommand.register(session)))
        {
            releaseGzip(gzip);
            if (null != gzip)
            {
                gzip.close();
            }
            session.closeConnection();
            return;
        }
        counters.connectionOpened(counters.sseConnections());
        exchange.getConnection().addCloseListener(connection ->
        {
            session.onConnectionClosed();
            releaseGzip(gzip);
            counters.connectionClosed(counters.sseConnections()); // the last counter it touches: see EdgeServer.close
            SessionCommand.offer(commands, SessionCommand.remove(session));
        });
        SessionCommand.offerInitialSubscriptions(commands, session, options);
        final AccessGrant grant = exchange.getAttachment(Admission.GRANT);
        if (null != grant && Long.MAX_VALUE != grant.expiresAtMs())
        {
            // an event stream cannot refresh its token in band: at expiry it ends with $close 1008, and the client
            // reconnects with a fresh token and Last-Event-ID
            final XnioExecutor.Key expiry = exchange.getIoThread().executeAfter(() ->
            {
                counters.tokenExpiryCloses().increment();
                session.requestClose(CloseCodes.POLICY_VIOLATION,
                    "token expired: reconnect with a fresh token and Last-Event-ID");
            }, Math.max(0, grant.expiresAtMs() - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            exchange.getConnection().addCloseListener(connection -> expiry.remove());
        }
        LOG.info("sse open id={} remote={} topics={}", session.sessionId(), session.remoteAddress(),
            options.topics().size());

        // send the headers now so the client sees the stream open before the first event
        session.open();
    }

    private void releaseGzip(final GzipEventStream gzip)
    {
        if (null != gzip)
        {
            compression.release();
            counters.sseCompressedStreams().decrement();
        }
    }

    /**
     * A gzip stream for a client that accepts gzip, when SSE compression is on and the budget has room (else the
     * stream goes uncompressed, counted); sets the response headers that say so.
     */
    private GzipEventStream gzipFor(final HttpServerExchange exchange)
    {
        if (!compression.sse() || !StreamCompression.acceptsGzip(exchange))
        {
            return null;
        }
        exchange.getResponseHeaders().put(Headers.VARY, "Accept-Encoding");
        if (!compression.tryAcquire())
        {
            counters.sseCompressionOverBudget().increment();
            return null;
        }
        counters.sseCompressedStreams().increment();
        exchange.getResponseHeaders().put(Headers.CONTENT_ENCODING, "gzip");
        return new GzipEventStream(Deflater.DEFAULT_COMPRESSION);
    }
}
