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
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSinkConduit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection's publishes, read, offered and answered by the edge itself once Undertow has parsed the
 * first of them. Undertow parses a pipelined request only once the one before it is answered, and parses, routes and
 * answers each through an exchange of its own (a few KB and most of a publish's CPU at tens of thousands a second);
 * a publisher repeats the same request with another body.
 * <p>
 * So once a {@code POST /publish/{topic}} Undertow parsed (the template) has been admitted and offered, the edge reads
 * its connection itself: each complete request that is the same request as the template (same target, same headers
 * but for {@code Content-Length}, so the same topic, token and type; its grant still valid, its body valid for the
 * type) is taken out of the connection's buffer and offered to the engine at once, whether it arrives while the
 * template awaits its acknowledgement or long after. When the template's exchange completes, the edge holds back
 * Undertow's completion of it ({@link #exchangeEvent}): Undertow parses nothing more on the connection while the
 * edge writes the answers of the requests it took, in order, each as soon as it and those before it are acknowledged
 * (refused: 403; not acknowledged in time: 504), gathered into one write ({@link RawPublishAnswer}).
 * <p>
 * The first request that is anything else (another target or header, a body not valid for the type, a request
 * larger than the buffer, an expired grant, back pressure), the end of the client's input, and a second without a
 * byte from the client, hand the connection back: once every request taken is answered, the completion goes on and
 * Undertow parses what is left in the buffer as usual. Plain HTTP only (not TLS), requests without an {@code Origin}
 * (browsers do not pipeline).
 * <p>
 * IO thread of the connection only.
 */
final class PublishReadAhead
    implements ChannelListener<ConduitStreamSourceChannel>, ExchangeCompletionListener, RequestDeadline.Expiry
{
    /**
     * Requests taken and not yet answered, at most: beyond it the edge stops reading the connection until answers go.
     */
    static final int MAX_READ_AHEAD = 256;

    /**
     * A connection that has sent nothing for this long goes back to Undertow, whose keep-alive limits then apply.
     */
    static final long IDLE_HAND_BACK_NS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Answered requests' objects a connection keeps for its next ones, at most.
     */
    static final int MAX_SPARE = 64;

    /**
     * A request taken and offered, until answered. The offerer's own subclass says when it can be answered and
     * renders its answer.
     */
    abstract static class Offered extends AwaitingAcks.Entry
    {
        long correlationId;
        final EdgeIoThread ioThread;
        final RequestDeadline timeout;

        Offered(final long correlationId, final EdgeIoThread ioThread, final RequestDeadline timeout)
        {
            this.correlationId = correlationId;
            this.ioThread = ioThread;
            this.timeout = timeout;
        }

        /**
         * @return true once the engine acknowledged or refused it, or its deadline passed.
         */
        abstract boolean isAnswerable();

        /**
         * Render the whole HTTP answer at {@code out}'s position.
         *
         * @return its length, or -1 if it does not fit in {@code out}'s remaining space (nothing written).
         */
        abstract int renderAnswer(ByteBuffer out);
    }

    /**
     * What offers a request taken to the engine.
     */
    interface Offer
    {
        /**
         * Validate and offer {@code body[0, length)} as the template's event.
         *
         * @return the offered request, or null if it is not valid or could not be offered (then it and what follows
         * are left to Undertow).
         */
        Offered offer(PublishReadAhead readAhead, byte[] body, int length);
    }

    private final HttpServerConnection connection;
    private final EdgeIoThread ioThread;
    private final Offer offer;
    private final PipelinedRequest request;
    private final ArrayDeque<Offered> offered = new ArrayDeque<>();
    private final ArrayDeque<Offered> spare = new ArrayDeque<>();
    private final ChannelListener<ConduitStreamSinkChannel> onWritable = channel -> writable();
    private final Runnable writeAnswersReady = () ->
    {
        answersScheduled = false;
        drive();
    };
    private byte[] body = new byte[256];
    private byte[] templateHead = new byte[0];
    private int templateHeadLength = -1;
    private HttpServerExchange template;
    private String templatePath;
    private String templateQuery;
    private String topic;
    private PayloadType payloadType;
    private AccessGrant grant;
    private ExchangeCompletionListener.NextListener heldCompletion; // set while the edge answers the connection
    private PooledByteBuffer out; // answers not yet written, or none: kept, empty, while the edge reads
    private PooledByteBuffer emptyIn; // a read buffer all taken, for the next read: kept while the edge reads
    private RequestDeadline idleDeadline;
    private long lastReadNs;
    private boolean handBack;
    private boolean answersScheduled;
    private boolean reading;
    private boolean awaitingWritable;
    private boolean closed;
    private ChannelListener<? super ConduitStreamSourceChannel> undertowReadListener;
    private ChannelListener<? super ConduitStreamSinkChannel> undertowWriteListener;

    PublishReadAhead(
        final HttpServerConnection connection, final EdgeIoThread ioThread, final Offer offer, final int maxHeadLength)
    {
        this.connection = connection;
        this.ioThread = ioThread;
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
     * @return the object of a request this connection took and answered, for the offerer to reuse, or null. Once its
     * answer is rendered nothing else refers to it: its acknowledgement took it from the offerer's table, or its
     * deadline did, and its deadline is disarmed or has fired (not so for those a closed connection leaves).
     */
    Offered spare()
    {
        return spare.poll();
    }

    /**
     * A request Undertow parsed, admitted and offered: take the requests after it that are the same as it.
     */
    void startFrom(final HttpServerExchange exchange, final String topic, final PayloadType payloadType)
    {
        if (closed || null != heldCompletion)
        {
            return; // (Undertow parses nothing while the edge answers: never expected)
        }
        template = exchange;
        templatePath = exchange.getRequestURI();
        templateQuery = exchange.getQueryString();
        templateHeadLength = -1;
        this.topic = topic;
        this.payloadType = payloadType;
        grant = exchange.getAttachment(Admission.GRANT);
        handBack = false;
        exchange.addExchangeCompleteListener(this);
        drive();
    }

    /**
     * The template's exchange completed (its answer is written): hold Undertow's completion of it, so that it parses
     * nothing more, and answer the requests taken. Undertow's completion goes on when the edge hands back.
     */
    public void exchangeEvent(final HttpServerExchange exchange, final ExchangeCompletionListener.NextListener next)
    {
        if (Thread.currentThread() != connection.getIoThread()) // never expected: answers are written on it
        {
            ioThread.execute(() -> exchangeEvent(exchange, next));
            return;
        }
        if (closed || !exchange.isPersistent())
        {
            template = null; // take nothing more
            stopReading();
            next.proceed(); // the connection closes: what was taken is published, and nobody is left to tell
            return;
        }
        heldCompletion = next;
        lastReadNs = System.nanoTime();
        armIdleDeadline(IDLE_HAND_BACK_NS);
        drive();
    }

    /**
     * A request taken can now be answered. Its answer is written after the IO thread's other tasks queued so far,
     * which are often the acknowledgements of the requests after it: one write for all of them. IO thread.
     */
    void answerReady()
    {
        if (null != heldCompletion && !answersScheduled)
        {
            answersScheduled = true;
            ioThread.execute(writeAnswersReady);
        }
    }

    /**
     * The connection closed: nothing taken will be answered.
     *
     * @return the requests taken and not answered.
     */
    ArrayDeque<Offered> close()
    {
        closed = true;
        reading = false;
        heldCompletion = null;
        disarmIdleDeadline();
        releaseBuffers();
        return offered;
    }

    /**
     * Bytes from the client: take what it sent.
     */
    public void handleEvent(final ConduitStreamSourceChannel channel)
    {
        final PooledByteBuffer pooled = connection.getExtraBytes();
        final PooledByteBuffer into = null != pooled ? pooled : emptyReadBuffer();
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
                keepEmpty(into);
            }
        }
        if (read < 0)
        {
            handBack = true; // the client is done sending: once answered, Undertow finds the end
        }
        else if (read > 0)
        {
            lastReadNs = System.nanoTime();
        }
        drive();
    }

    /**
     * No byte from the client for a while: if nothing it sent is waiting for an answer, hand it back.
     */
    public void onDeadline()
    {
        idleDeadline = null;
        if (closed || null == heldCompletion)
        {
            return;
        }
        final long idleNs = System.nanoTime() - lastReadNs;
        if (idleNs >= IDLE_HAND_BACK_NS && offered.isEmpty())
        {
            handBack = true;
            drive();
        }
        else
        {
            armIdleDeadline(Math.max(IDLE_HAND_BACK_NS - idleNs, TimeUnit.MILLISECONDS.toNanos(10)));
        }
    }

    /**
     * Everything the connection's state calls for now: answer what can be answered, take what has arrived, read or
     * stop reading, hand back.
     */
    private void drive()
    {
        if (closed || null == template) // handed back (a task queued before may still call): Undertow's turn
        {
            return;
        }
        if (null != heldCompletion && !writeAnswers())
        {
            stopReading(); // the client does not read its answers: neither does the edge read its requests
            return;
        }
        if (!handBack)
        {
            take();
        }
        if (handBack || offered.size() >= MAX_READ_AHEAD || isBufferFull())
        {
            stopReading();
            if (handBack && null != heldCompletion && offered.isEmpty())
            {
                handBackToUndertow();
            }
        }
        else
        {
            startReading();
        }
    }

    private void take()
    {
        final PooledByteBuffer pooled = connection.getExtraBytes();
        if (null == pooled)
        {
            return;
        }
        final ByteBuffer buffer = pooled.getBuffer();
        while (offered.size() < MAX_READ_AHEAD)
        {
            final int from = buffer.position();
            if (from == buffer.limit())
            {
                connection.setExtraBytes(null); // all taken: kept for the next read, released at hand-back
                keepEmpty(pooled);
                return;
            }
            final int length = request.parse(buffer, from, buffer.limit());
            if (PipelinedRequest.INCOMPLETE == length)
            {
                if (from == 0 && buffer.limit() == buffer.capacity())
                {
                    handBack = true; // it will not fit: Undertow reads it its own way
                }
                return;
            }
            if (PipelinedRequest.NOT_READ_AHEAD == length || !isSameAsTemplate(buffer) ||
                null != grant && grant.isExpired(System.currentTimeMillis()))
            {
                handBack = true;
                return;
            }
            final int bodyLength = request.bodyLength();
            if (body.length < bodyLength)
            {
                body = new byte[Math.max(bodyLength, body.length * 2)];
            }
            buffer.get(request.bodyOffset(), body, 0, bodyLength);
            final Offered next = offer.offer(this, body, bodyLength);
            if (null == next)
            {
                handBack = true; // Undertow parses it and the usual path answers why
                return;
            }
            offered.add(next);
            buffer.position(from + length);
        }
    }

    /**
     * Write the answers of the requests taken that can be answered, in order, up to the first that cannot.
     *
     * @return false if the socket took only part of them (the rest go when it is writable).
     */
    private boolean writeAnswers()
    {
        if (awaitingWritable)
        {
            return false;
        }
        Offered head;
        while (null != (head = offered.peek()) && head.isAnswerable())
        {
            if (null == out)
            {
                out = connection.getByteBufferPool().allocate();
                out.getBuffer().clear();
            }
            if (head.renderAnswer(out.getBuffer()) < 0)
            {
                if (0 == out.getBuffer().position())
                {
                    IoUtils.safeClose(connection); // an answer larger than a whole buffer: never expected
                    return false;
                }
                if (!flushOut())
                {
                    return false;
                }
                continue;
            }
            offered.poll();
            if (spare.size() < MAX_SPARE)
            {
                spare.add(head);
            }
        }
        return flushOut();
    }

    private boolean flushOut()
    {
        if (null == out)
        {
            return true;
        }
        final ByteBuffer buffer = out.getBuffer();
        try
        {
            final PipeliningBufferingStreamSinkConduit pipelined = connection.getPipelineBuffer();
            if (null != pipelined && !pipelined.flushPipelinedData()) // answers Undertow gathered go first
            {
                awaitWritable();
                return false;
            }
            buffer.flip();
            final StreamSinkConduit sink = connection.getOriginalSinkConduit();
            while (buffer.hasRemaining() && sink.write(buffer) > 0)
            {
                // until written or the socket is full
            }
            final boolean written = !buffer.hasRemaining();
            buffer.compact();
            if (!written)
            {
                awaitWritable();
                return false;
            }
            return true; // the buffer stays for the next answers, until hand-back
        }
        catch (final IOException ex)
        {
            IoUtils.safeClose(connection);
            return false;
        }
    }

    private void awaitWritable()
    {
        if (awaitingWritable)
        {
            return;
        }
        awaitingWritable = true;
        final ConduitStreamSinkChannel sink = connection.getChannel().getSinkChannel();
        undertowWriteListener = sink.getWriteListener();
        sink.setWriteListener(onWritable);
        connection.getOriginalSinkConduit().resumeWrites();
    }

    private void writable()
    {
        connection.getOriginalSinkConduit().suspendWrites();
        connection.getChannel().getSinkChannel().setWriteListener(undertowWriteListener);
        undertowWriteListener = null;
        awaitingWritable = false;
        drive();
    }

    private void handBackToUndertow()
    {
        final ExchangeCompletionListener.NextListener next = heldCompletion;
        heldCompletion = null;
        template = null;
        handBack = false;
        disarmIdleDeadline();
        releaseBuffers(); // all answers written: out is empty
        final PooledByteBuffer pooled = connection.getExtraBytes();
        if (null != pooled && !pooled.getBuffer().hasRemaining())
        {
            connection.setExtraBytes(null);
            pooled.close();
        }
        next.proceed(); // Undertow parses what is left in the buffer, or waits for the next request
    }

    private PooledByteBuffer emptyReadBuffer()
    {
        final PooledByteBuffer kept = emptyIn;
        emptyIn = null;
        return null != kept ? kept : connection.getByteBufferPool().allocate();
    }

    private void keepEmpty(final PooledByteBuffer buffer)
    {
        if (null == emptyIn)
        {
            emptyIn = buffer;
        }
        else
        {
            buffer.close();
        }
    }

    /**
     * The buffers kept while the edge reads the connection go back to the pool: a connection handed back, or
     * closed, holds none of them.
     */
    private void releaseBuffers()
    {
        if (null != out)
        {
            out.close();
            out = null;
        }
        if (null != emptyIn)
        {
            emptyIn.close();
            emptyIn = null;
        }
    }

    private boolean isBufferFull()
    {
        final PooledByteBuffer pooled = connection.getExtraBytes();
        return null != pooled && pooled.getBuffer().position() == 0 &&
            pooled.getBuffer().limit() == pooled.getBuffer().capacity();
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

    private void armIdleDeadline(final long delayNs)
    {
        disarmIdleDeadline();
        idleDeadline = new RequestDeadline(null); // once a second at most, per connection the edge answers
        idleDeadline.arm(ioThread, this, delayNs, TimeUnit.NANOSECONDS);
    }

    private void disarmIdleDeadline()
    {
        if (null != idleDeadline)
        {
            idleDeadline.disarm();
            idleDeadline = null;
        }
    }

    private void startReading()
    {
        if (reading)
        {
            return;
        }
        final ConduitStreamSourceChannel channel = connection.getChannel().getSourceChannel();
        undertowReadListener = channel.getReadListener();
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
        connection.getChannel().getSourceChannel().setReadListener(undertowReadListener);
        undertowReadListener = null;
    }
}
