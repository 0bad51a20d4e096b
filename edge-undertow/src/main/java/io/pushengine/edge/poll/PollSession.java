package io.pushengine.edge.poll;

import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.fanout.SessionCommand;
import io.pushengine.edge.session.PollingSession;
import io.pushengine.edge.session.IoThreadFlusher;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.http.EdgeIoThread;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.RequestDeadline;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One long-poll or short-poll HTTP request: the fan-out's {@link PollingSession} (which decides when and with what
 * it is answered) rendered by the request's Undertow IO thread as one JSON response, or a 503/500 with the reason
 * when the fan-out gives up on it. A held poll holds no thread and, until something arrives, no ring: only this
 * object and its subscriptions.
 */
public final class PollSession extends PollingSession
    implements ControlledMessageHandler, IoCallback, RequestDeadline.Expiry
{
    /**
     * The {@code transport} label of its sessions (logs, latency histograms).
     */
    public static final String TRANSPORT = "poll";

    private static final ThreadLocal<AnswerBuffers> ANSWER_BUFFERS = ThreadLocal.withInitial(AnswerBuffers::new);

    private final HttpServerExchange exchange;
    private final EdgeCounters counters;
    private final PollRingPool ringPool;
    private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;

    // IO thread state
    private final RequestDeadline expiry = new RequestDeadline(null);
    private AnswerBuffers answerBuffers;
    private AnswerBuffers sentBuffers; // lent to the response sender until it has written them
    private int eventCount;
    private long answerTimestampNs;
    private boolean answered;

    PollSession(
        final long sessionId,
        final HttpServerExchange exchange,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options,
        final EdgeCounters counters,
        final PollRingPool ringPool,
        final ManyToOneConcurrentArrayQueue<SessionCommand> commands)
    {
        super(sessionId, TRANSPORT, null, flusher, // its address is rendered only if asked for: see remoteAddress
            initialRingCapacity, ringCapacity, ringBytes, options); // first rings pooled, all of one size
        this.exchange = exchange;
        this.counters = counters;
        this.ringPool = ringPool;
        this.commands = commands;
    }

    public String remoteAddress()
    {
        return String.valueOf(exchange.getSourceAddress());
    }

    protected OneToOneRingBuffer newRing(final int capacity)
    {
        return ringPool.take(capacity);
    }

    protected void freeRing(final OneToOneRingBuffer ring)
    {
        // pooled: its IO thread gives it back to the pool
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * Ask the fan-out to answer after {@code waitMs} if nothing came sooner. IO thread.
     */
    void expireAfter(final EdgeIoThread ioThread, final long waitMs)
    {
        expiry.arm(ioThread, this, waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * The wait has passed before anything came: the fan-out answers with what there is. IO thread, from the deadline.
     */
    public void onDeadline()
    {
        SessionCommand.offer(commands, SessionCommand.pollExpired(this));
    }

    /**
     * The fan-out has completed the poll: render its ring as the answer. IO thread.
     */
    protected void drain()
    {
        if (!isCompleted() || answered)
        {
            return;
        }
        answered = true;
        closed = true;
        cancelExpiry();

        final AnswerBuffers buffers = ANSWER_BUFFERS.get();
        answerBuffers = buffers;
        buffers.eventsLength = AnswerBuffers.EVENTS_START; // the cursor goes before, once known
        buffers.controlsLength = 0;
        eventCount = 0;
        answerTimestampNs = flusher.epochClock().nanoTime();

        OneToOneRingBuffer ring = takeAnswerRing();
        while (null != ring) // the first ring, then the larger one that followed it when it filled
        {
            for (int i = 0; i < 4 && ring.size() > 0; i++) // at most: to the end, padding, from the start
            {
                ring.controlledRead(this);
            }
            ringPool.giveBack(ring);
            ring = takeAnswerRing();
        }
        final int ringEventsLength = buffers.eventsLength;
        final int ringEventCount = eventCount;
        if (!readAnswerLog()) // then its live events, read from the edge's text log
        {
            buffers.eventsLength = ringEventsLength; // lapped there: answered without them, the cursor before them
            eventCount = ringEventCount;
            counters.pollsLapped().increment();
        }

        final ExpandableArrayBuffer events = buffers.events;
        events.putByte(buffers.eventsLength++, (byte)']');
        events.putBytes(buffers.eventsLength, buffers.controls, 0, buffers.controlsLength);
        buffers.eventsLength += buffers.controlsLength;
        events.putByte(buffers.eventsLength++, (byte)'}');
        events.putByte(buffers.eventsLength++, (byte)'\n');
        final MutableDirectBuffer prefix = buffers.prefix;
        int prefixLength = prefix.putStringWithoutLengthAscii(0, "{\"cursor\":");
        prefixLength += prefix.putLongAscii(prefixLength, answerCursor());
        prefixLength += prefix.putStringWithoutLengthAscii(prefixLength, ",\"events\":[");
        final int start = AnswerBuffers.EVENTS_START - prefixLength;
        events.putBytes(start, prefix, 0, prefixLength);
        final int bodyLength = buffers.eventsLength - start;
        final ByteBuffer body = buffers.body(start, bodyLength); // no copy: the buffers are lent to the sender
        answerBuffers = null;

        counters.pollsHeld().getAndAdd(-1);
        if (0 == eventCount)
        {
            counters.pollsEmpty().increment();
        }
        flusher.countWritten(1, bodyLength); // with the latencies recorded above
        exchange.setStatusCode(200);
        exchange.setResponseContentLength(bodyLength); // before the sender takes the channel (gzip decides on it)
        exchange.getResponseHeaders()
            .put(Headers.CONTENT_TYPE, "application/json")
            .put(Headers.CACHE_CONTROL, "no-store");
        sentBuffers = buffers;
        buffers.lent = true;
        exchange.getResponseSender().send(body, this);
        if (buffers.lent) // the socket took only part: the sender keeps the body until it is written
        {
            ANSWER_BUFFERS.set(new AnswerBuffers()); // this thread renders its next answers elsewhere
        }
    }

    /**
     * The answer is written (or handed to the connection's own buffer): its buffers are free again. IO thread.
     */
    public void onComplete(final HttpServerExchange exchange, final Sender sender)
    {
        returnBuffers();
        IoCallback.END_EXCHANGE.onComplete(exchange, sender);
    }

    public void onException(final HttpServerExchange exchange, final Sender sender, final IOException exception)
    {
        returnBuffers();
        IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
    }

    private void returnBuffers()
    {
        final AnswerBuffers buffers = sentBuffers;
        if (null != buffers)
        {
            sentBuffers = null;
            buffers.lent = false;
        }
    }

    public ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final AnswerBuffers buffers = answerBuffers;
        if (OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId)
        {
            appendEvent(buffer, index + OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET,
                length - OutboundRingDescriptor.TEXT_EVENT_TEXT_OFFSET,
                buffer.getLong(index + OutboundRingDescriptor.TEXT_EVENT_TIMESTAMP_OFFSET));
        }
        else if (OutboundRingDescriptor.CONTROL_MSG_TYPE_ID == msgTypeId)
        {
            buffers.controls.putBytes(buffers.controlsLength, buffer, index, length);
            buffers.controlsLength += length;
        }
        // SUPERSEDED_EVENT: a later event of the same topic and slot is in the answer instead
        return Action.CONTINUE;
    }

    protected void onAnswerLogEvent(
        final DirectBuffer buffer, final int offset, final int length, final long timestampNs)
    {
        appendEvent(buffer, offset, length, timestampNs);
    }

    private void appendEvent(final DirectBuffer buffer, final int offset, final int length, final long timestampNs)
    {
        final AnswerBuffers buffers = answerBuffers;
        if (eventCount++ > 0)
        {
            buffers.events.putByte(buffers.eventsLength++, (byte)',');
        }
        buffers.events.putBytes(buffers.eventsLength, buffer, offset, length);
        buffers.eventsLength += length;
        writeLatency.record(answerTimestampNs - timestampNs);
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
        // a poll is answered within its wait: nothing to keep alive
    }

    /**
     * The fan-out gave up on the poll (e.g. its snapshot did not fit): answer with the reason instead. IO thread.
     */
    protected void closeOnIoThread(final int code, final String reason)
    {
        if (answered)
        {
            return;
        }
        answered = true;
        closed = true;
        cancelExpiry();
        counters.pollsHeld().getAndAdd(-1);
        if (CloseCodes.GOING_AWAY == code)
        {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, 1);
        }
        HttpResponses.reject(exchange, CloseCodes.TRY_AGAIN_LATER == code ||
            CloseCodes.GOING_AWAY == code ? 503 : 500, reason, counters);
    }

    private void cancelExpiry()
    {
        expiry.disarm();
    }

    /**
     * Where an IO thread renders answers: events and control fragments apart, joined at the end.
     */
    private static final class AnswerBuffers
    {
        /**
         * Where the events start in {@link #events}: room before them for the cursor, written once it is known.
         */
        static final int EVENTS_START = 64;

        final ExpandableArrayBuffer events = new ExpandableArrayBuffer(16 * 1024);
        final ExpandableArrayBuffer prefix = new ExpandableArrayBuffer(EVENTS_START);
        final ExpandableArrayBuffer controls = new ExpandableArrayBuffer(512);
        int eventsLength;
        int controlsLength;
        boolean lent;
        private ByteBuffer body = ByteBuffer.wrap(events.byteArray());

        /**
         * The answer as the sender takes it: a view of {@link #events}, made again only when that grew.
         */
        ByteBuffer body(final int offset, final int length)
        {
            if (body.array() != events.byteArray())
            {
                body = ByteBuffer.wrap(events.byteArray());
            }
            body.limit(offset + length).position(offset);
            return body;
        }
    }
}
