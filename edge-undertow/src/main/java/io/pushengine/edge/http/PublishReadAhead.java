package io.pushengine.edge.http;

import io.pushengine.auth.AccessGrant;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.edge.admission.Admission;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.server.protocol.http.PipeliningBufferingStreamSinkConduit;
import io.undertow.util.Headers;
import io.undertow.util.Protocols;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.conduits.ConduitStreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One HTTP/1.1 connection's publishes read ahead: while a {@code POST /publish/{topic}} waits for the engine's
 * acknowledgement, Undertow reads nothing more from its connection (it parses a pipelined request only once the
 * one before it is answered), so a publisher pipelining on one connection would get one event per journal round trip.
 * Here the edge goes on reading the connection meanwhile, into Undertow's own buffer of pipelined bytes, and offers each
 * complete request that is the same request as the one admitted (same target, same headers but for
 * {@code Content-Length}, so the same topic, token and type) to the engine at once, in order. Undertow later parses
 * the requests from that buffer as usual, one after another, and each is answered from its acknowledgement, which has
 * usually arrived by then: answers still go out in order and mean journaled, but the events no longer wait for them.
 * <p>
 * It stops at the first request that is anything else (another target or header, a body that is not valid for the
 * type, an expired grant, a full buffer, back pressure), which with everything after it is left to Undertow. Plain
 * HTTP only (not TLS), requests without an {@code Origin} (browsers do not pipeline).
 * <p>
 * IO thread of the connection only.
 */
final class PublishReadAhead implements ChannelListener<ConduitStreamSourceChannel>
{
    /**
     * Requests read ahead and not yet parsed by Undertow, at most.
     */
    static final int MAX_READ_AHEAD = 256;

    /**
     * A request read ahead and offered, waiting for Undertow to parse it and for the engine to acknowledge it. The
     * offerer's own subclass answers it ({@link #parsed}).
     */
    abstract static class Offered
    {
        final long correlationId;
        final int requestLength;
        final int bodyLength;
        final long bodyHash;
        final long deadlineNs;
        final EdgeIoThread ioThread;
        final RequestDeadline timeout;
        HttpServerExchange exchange;
        boolean acknowledged;
        long sequence;
        long topicSequence;
        String topic;
        String refusal;

        Offered(
            final long correlationId,
            final int requestLength,
            final int bodyLength,
            final long bodyHash,
            final long deadlineNs,
            final EdgeIoThread ioThread,
            final RequestDeadline timeout)
        {
            this.ioThread = ioThread;
            this.timeout = timeout;
            this.correlationId = correlationId;
            this.requestLength = requestLength;
            this.bodyLength = bodyLength;
            this.bodyHash = bodyHash;
            this.deadlineNs = deadlineNs;
        }

        /**
         * Undertow has parsed the request at this one's place in the pipeline (and found no other handler for it):
         * check it is this one, read its body, answer it. IO thread.
         */
        abstract void parsed(HttpServerExchange exchange);
    }

    /**
     * What offers a request read ahead to the engine.
     */
    interface Offer
    {
        /**
         * Validate and offer {@code body[0, length)} as the template's event.
         *
         * @return the offered request, or null if it is not valid or could not be offered (then it and what follows
         * are left to Undertow).
         */
        Offered offer(PublishReadAhead readAhead, byte[] body, int length, int requestLength, long bodyHash);
    }

    private final HttpServerConnection connection;
    private final Offer offer;
    private final PipelinedRequest request;
    private final ExchangeCompletionListener stopReadingWhenComplete = (exchange, next) ->
    {
        stopReading();
        next.proceed();
    };
    private final ArrayDeque<Offered> offered = new ArrayDeque<>();
    private byte[] body = new byte[256];
    private byte[] templateHead = new byte[0];
    private int templateHeadLength = -1;
    private HttpServerExchange template;
    private String templatePath;
    private String templateQuery;
    private String topic;
    private PayloadType payloadType;
    private AccessGrant grant;
    private int offeredBytes;
    private boolean reading;
    private boolean stopped;
    private boolean closed;
    private ChannelListener<? super ConduitStreamSourceChannel> undertowListener;

    PublishReadAhead(final HttpServerConnection connection, final Offer offer, final int maxHeadLength)
    {
        this.connection = connection;
        this.offer = offer;
        this.request = new PipelinedRequest(maxHeadLength);
    }

    /**
     * @return true if requests like this one, on its connection, may be read ahead.
     */
    static boolean isEligible(final HttpServerExchange exchange)
    {
        final var headers = exchange.getRequestHeaders();
        return exchange.getConnection() instanceof HttpServerConnection &&
            null == exchange.getConnection().getSslSessionInfo() &&
            exchange.isPersistent() &&
            Protocols.HTTP_1_1.equals(exchange.getProtocol()) &&
            headers.count(Headers.CONTENT_LENGTH) == 1 &&
            !headers.contains(Headers.TRANSFER_ENCODING) &&
            !headers.contains(Headers.EXPECT) &&
            !headers.contains(Headers.ORIGIN) &&
            !headers.contains(Headers.UPGRADE);
    }

    HttpServerConnection connection()
    {
        return connection;
    }

    String topic()
    {
        return topic;
    }

    PayloadType payloadType()
    {
        return payloadType;
    }

    /**
     * An admitted request: read ahead the requests after it that are the same as it.
     */
    void startFrom(final HttpServerExchange exchange, final String topic, final PayloadType payloadType)
    {
        if (template != exchange)
        {
            this.template = exchange;
            this.templatePath = exchange.getRequestURI();
            this.templateQuery = exchange.getQueryString();
            this.templateHeadLength = -1;
            this.topic = topic;
            this.payloadType = payloadType;
            this.grant = exchange.getAttachment(Admission.GRANT);
        }
        continueWith(exchange);
    }

    /**
     * A request read ahead, now parsed by Undertow and its body read: go on reading after it.
     */
    void continueWith(final HttpServerExchange exchange)
    {
        if (closed)
        {
            return;
        }
        stopped = false;
        exchange.addExchangeCompleteListener(stopReadingWhenComplete);
        scan();
        if (!stopped)
        {
            startReading();
        }
    }

    /**
     * @return the request read ahead that Undertow has just parsed, or null if it was not read ahead.
     */
    Offered poll()
    {
        final Offered head = offered.poll();
        if (null != head)
        {
            offeredBytes -= head.requestLength;
        }
        return head;
    }

    boolean hasOffered()
    {
        return !offered.isEmpty();
    }

    /**
     * @return true if {@code exchange}'s target (path and query) is the template's.
     */
    boolean hasTemplateTarget(final HttpServerExchange exchange)
    {
        return templatePath.equals(exchange.getRequestURI()) && templateQuery.equals(exchange.getQueryString());
    }

    /**
     * The connection closed: what was read ahead will never be parsed.
     *
     * @return the requests read ahead and not yet parsed.
     */
    ArrayDeque<Offered> close()
    {
        closed = true;
        stopReading();
        return offered;
    }

    public void handleEvent(final ConduitStreamSourceChannel channel)
    {
        final PooledByteBuffer pooled = connection.getExtraBytes();
        final PooledByteBuffer into = null != pooled ? pooled : connection.getByteBufferPool().allocate();
        final ByteBuffer buffer = into.getBuffer();
        final int read;
        try
        {
            if (null == pooled)
            {
                buffer.clear();
            }
            else
            {
                buffer.compact();
            }
            read = connection.getOriginalSourceConduit().read(buffer);
        }
        catch (final IOException ex)
        {
            buffer.flip();
            if (null == pooled)
            {
                into.close();
            }
            stopReading();
            IoUtils.safeClose(connection);
            return;
        }
        buffer.flip();
        if (null == pooled)
        {
            if (buffer.hasRemaining())
            {
                connection.setExtraBytes(into);
            }
            else
            {
                into.close();
            }
        }
        if (read < 0)
        {
            stopReading(); // the client is done sending: Undertow finds the end after the requests it has
            return;
        }
        scan();
        if (stopped) // includes a buffer full from its start: nothing more can be read into it until Undertow parses
        {
            stopReading();
        }
    }

    private void scan()
    {
        final PooledByteBuffer pooled = connection.getExtraBytes();
        if (null == pooled || stopped)
        {
            return;
        }
        final ByteBuffer buffer = pooled.getBuffer();
        int from = buffer.position() + offeredBytes;
        while (offered.size() < MAX_READ_AHEAD)
        {
            final int length = request.parse(buffer, from, buffer.limit());
            if (PipelinedRequest.INCOMPLETE == length)
            {
                if (buffer.position() == 0 && buffer.limit() == buffer.capacity())
                {
                    stopped = true; // it will not fit: Undertow reads it its own way
                }
                return;
            }
            if (PipelinedRequest.NOT_READ_AHEAD == length || !isSameAsTemplate(buffer) ||
                null != grant && grant.isExpired(System.currentTimeMillis()))
            {
                stopped = true;
                return;
            }
            final int bodyLength = request.bodyLength();
            if (body.length < bodyLength)
            {
                body = new byte[Math.max(bodyLength, body.length * 2)];
            }
            buffer.get(request.bodyOffset(), body, 0, bodyLength);
            final Offered next = offer.offer(this, body, bodyLength, length, hash(body, bodyLength));
            if (null == next)
            {
                stopped = true;
                return;
            }
            offered.add(next);
            offeredBytes += length;
            bufferAnswers();
            from += length;
        }
        stopped = true;
    }

    /**
     * The connection pipelines: its answers are gathered in Undertow's pipelining buffer and written together once
     * no parsed request is left (Undertow does this itself only for requests without a body).
     */
    private void bufferAnswers()
    {
        if (null == connection.getPipelineBuffer())
        {
            final PipeliningBufferingStreamSinkConduit buffer = new PipeliningBufferingStreamSinkConduit(
                connection.getOriginalSinkConduit(), connection.getByteBufferPool());
            connection.setPipelineBuffer(buffer);
        }
    }

    /**
     * A request of this connection waits for its acknowledgement: the answers gathered before it go out now.
     */
    static void flushAnswers(final HttpServerExchange exchange)
    {
        if (exchange.getConnection() instanceof HttpServerConnection)
        {
            final PipeliningBufferingStreamSinkConduit buffer =
                ((HttpServerConnection)exchange.getConnection()).getPipelineBuffer();
            if (null != buffer)
            {
                try
                {
                    buffer.flushPipelinedData(); // what does not fit in the socket goes with the next write
                }
                catch (final IOException ex)
                {
                    IoUtils.safeClose(exchange.getConnection());
                }
            }
        }
    }

    private boolean isSameAsTemplate(final ByteBuffer buffer)
    {
        if (templateHeadLength >= 0)
        {
            return request.headEqualsButContentLength(buffer, templateHead, templateHeadLength);
        }
        if (!request.targetEquals(buffer, templatePath, templateQuery) ||
            !request.headersEqualButContentLength(buffer, template.getRequestHeaders()))
        {
            return false;
        }
        final int length = request.headLengthButContentLength();
        if (templateHead.length < length)
        {
            templateHead = new byte[length];
        }
        request.copyHeadButContentLength(buffer, templateHead);
        templateHeadLength = length;
        return true;
    }

    private void startReading()
    {
        final PooledByteBuffer pooled = connection.getExtraBytes();
        if (reading || null != pooled && pooled.getBuffer().position() == 0 &&
            pooled.getBuffer().limit() == pooled.getBuffer().capacity())
        {
            return;
        }
        final ConduitStreamSourceChannel channel = connection.getChannel().getSourceChannel();
        undertowListener = channel.getReadListener();
        channel.setReadListener(this);
        connection.getOriginalSourceConduit().resumeReads();
        reading = true;
    }

    private void stopReading()
    {
        if (!reading)
        {
            return;
        }
        reading = false;
        connection.getOriginalSourceConduit().suspendReads();
        connection.getChannel().getSourceChannel().setReadListener(undertowListener);
        undertowListener = null;
    }

    /**
     * FNV-1a: a check that the request Undertow parses is the one read ahead.
     */
    static long hash(final byte[] bytes, final int length)
    {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < length; i++)
        {
            hash ^= bytes[i] & 0xFF;
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
