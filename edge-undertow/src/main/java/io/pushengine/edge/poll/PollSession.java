package io.pushengine.edge.poll;

import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.IoThreadFlusher;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.pushengine.edge.websocket.WebSocketCloseCodes;
import io.pushengine.edge.http.HttpResponses;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.xnio.XnioExecutor;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One long-poll or short-poll request as the fan-out sees it: a client session that lives for one answer.
 * <p>
 * It is registered, subscribed and resumed from {@code after=} exactly like a WebSocket or SSE connection, so a
 * client may switch transports at any cursor. Once armed (all its subscriptions made) the fan-out answers it when
 * there is something to say (events, a snapshot, a reset), when its ring is full, when its wait ends, or, for a
 * short poll, as soon as it has caught up. The fan-out then fixes the cursor, hands the ring over and forgets the
 * session; the request's IO thread renders the ring as one JSON answer:
 * <pre>
 *   {"cursor":57,"events":[{"sequence":55,...},{"sequence":57,...}]}
 *   {"cursor":60,"events":[]}                                   wait ended, nothing on these topics up to 60
 *   {"cursor":60,"events":[...],"snapshot":{"asOfSequence":60,"valueCount":2}}
 *   {"cursor":90,"events":[],"reset":{"fromSequence":3,"oldestRetained":41}}   what followed 3 is gone: resync
 * </pre>
 * The cursor is the {@code after=} of the next poll (and the {@code from=} of a WebSocket or SSE connection): every
 * event up to it on the poll's topics is in this answer or an earlier one, so nothing is lost and nothing repeats.
 * <p>
 * A held poll holds no thread and, until something arrives, no ring: only this object and its subscriptions.
 * Threading: fields marked fan-out belong to the fan-out thread; {@link #completed} publishes {@link #cursor} and
 * {@link #answerRing} to the IO thread.
 */
public final class PollSession extends ClientSession implements ControlledMessageHandler
{
    /**
     * A poll ends by itself: never recycled.
     */
    public boolean isLongLived()
    {
        return false;
    }

    private static final ThreadLocal<AnswerBuffers> ANSWER_BUFFERS = ThreadLocal.withInitial(AnswerBuffers::new);

    private final HttpServerExchange exchange;
    private final EdgeCounters counters;
    private final PollRingPool ringPool;

    // fan-out thread state
    private ExpandableArrayBuffer controlText;
    private boolean armed;
    private boolean answerWhenCaughtUp;
    private boolean expired;
    private boolean full;
    private long fullCursor;

    // handed from the fan-out to the IO thread by the volatile write of completed
    private long cursor;
    private OneToOneRingBuffer answerRing;
    private volatile boolean completed;

    // IO thread state
    private XnioExecutor.Key expiry;
    private AnswerBuffers answerBuffers;
    private int eventCount;
    private boolean answered;

    PollSession(
        final long sessionId,
        final HttpServerExchange exchange,
        final IoThreadFlusher flusher,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options,
        final EdgeCounters counters,
        final PollRingPool ringPool)
    {
        super(sessionId, "poll", String.valueOf(exchange.getSourceAddress()), flusher,
            ringCapacity, ringCapacity, ringBytes, options); // pooled rings, all of one size
        this.exchange = exchange;
        this.counters = counters;
        this.ringPool = ringPool;
    }

    protected OneToOneRingBuffer newRing(final int capacity)
    {
        return ringPool.take(capacity);
    }

    protected void freeRing(final OneToOneRingBuffer ring)
    {
        // pooled: its IO thread gives it back to the pool
    }

    // ---------------------------------------------------------------- fan-out thread

    /**
     * All the poll's subscriptions are made: from now on it may be answered. Fan-out thread.
     *
     * @param answerWhenCaughtUp true for a short poll: answer as soon as the resume (if any) has caught up, even
     *                           with nothing.
     */
    public void arm(final boolean answerWhenCaughtUp)
    {
        this.armed = true;
        this.answerWhenCaughtUp = answerWhenCaughtUp;
    }

    /**
     * The poll's wait is over: answer with what there is. Fan-out thread.
     */
    public void expire()
    {
        expired = true;
    }

    /**
     * True once an event did not fit: nothing more is offered; the answer's cursor is the last event that fitted
     * and the next poll takes the rest.
     */
    public boolean isFull()
    {
        return full;
    }

    public void full(final long cursor)
    {
        full = true;
        fullCursor = cursor;
    }

    public long fullCursor()
    {
        return fullCursor;
    }

    /**
     * True when the fan-out should answer now. Fan-out thread.
     */
    public boolean isReadyToAnswer()
    {
        return armed && !completed &&
            (expired || full || bufferedBytes() > 0 || (answerWhenCaughtUp && !isResuming()));
    }

    /**
     * The fan-out is done with this poll: every event up to {@code cursor} on its topics is in its ring. The ring is
     * kept for the IO thread before the fan-out forgets the session (which drops its own reference). Fan-out thread.
     */
    public void complete(final long cursor)
    {
        this.cursor = cursor;
        this.answerRing = ringInUse();
        this.completed = true;
    }

    public boolean offerEvent(final EncodedEvent event)
    {
        return write(
            OutboundRingDescriptor.EVENT_MSG_TYPE_ID, event.jsonBuffer(), event.jsonOffset(), event.jsonLength());
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
        return false; // the answer names each event's topic
    }

    /**
     * Polls take no drop policy (what does not fit waits for the next poll), so the fan-out gives them no gaps.
     */
    public boolean offerGap(
        final int topic,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        return true;
    }

    /**
     * Every poll with {@code after=} is a resume; only one that could not be completed is news: {@code "reset"}.
     */
    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        if (complete)
        {
            return true;
        }
        final ExpandableArrayBuffer out = controlText();
        int position = out.putStringWithoutLengthAscii(0, ",\"reset\":{\"fromSequence\":");
        position += out.putLongAscii(position, fromSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"oldestRetained\":");
        position += out.putLongAscii(position, oldestRetained);
        position += out.putStringWithoutLengthAscii(position,
            ",\"reason\":\"events after fromSequence are no longer retained: poll again without after= for the " +
            "current values\"}");
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    public boolean offerSnapshotBegin(final long correlationId)
    {
        return true; // the values are the answer's events; the end says what they are
    }

    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        final ExpandableArrayBuffer out = controlText();
        int position = out.putStringWithoutLengthAscii(0, ",\"snapshot\":{\"asOfSequence\":");
        position += out.putLongAscii(position, asOfSequence);
        position += out.putStringWithoutLengthAscii(position, ",\"valueCount\":");
        position += out.putIntAscii(position, valueCount);
        out.putByte(position++, (byte)'}');
        return write(OutboundRingDescriptor.CONTROL_MSG_TYPE_ID, out, 0, position);
    }

    private ExpandableArrayBuffer controlText()
    {
        if (null == controlText)
        {
            controlText = new ExpandableArrayBuffer(256);
        }
        return controlText;
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * Ask the fan-out to answer after {@code waitMs} if nothing came sooner. IO thread.
     */
    void expireAfter(final long waitMs, final Runnable onExpiry)
    {
        expiry = ioThread.executeAfter(onExpiry, waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * The fan-out has completed the poll: render its ring as the answer. IO thread.
     */
    protected void drain()
    {
        if (!completed || answered)
        {
            return;
        }
        answered = true;
        closed = true;
        cancelExpiry();

        final AnswerBuffers buffers = ANSWER_BUFFERS.get();
        answerBuffers = buffers;
        buffers.eventsLength = buffers.events.putStringWithoutLengthAscii(0, "{\"cursor\":");
        buffers.eventsLength += buffers.events.putLongAscii(buffers.eventsLength, cursor);
        buffers.eventsLength += buffers.events.putStringWithoutLengthAscii(buffers.eventsLength, ",\"events\":[");
        buffers.controlsLength = 0;
        eventCount = 0;

        final OneToOneRingBuffer ring = answerRing;
        answerRing = null;
        if (null != ring)
        {
            for (int i = 0; i < 4 && ring.size() > 0; i++) // at most: to the end, padding, from the start
            {
                ring.controlledRead(this);
            }
            ringPool.giveBack(ring);
        }

        final ExpandableArrayBuffer events = buffers.events;
        events.putByte(buffers.eventsLength++, (byte)']');
        events.putBytes(buffers.eventsLength, buffers.controls, 0, buffers.controlsLength);
        buffers.eventsLength += buffers.controlsLength;
        events.putByte(buffers.eventsLength++, (byte)'}');
        events.putByte(buffers.eventsLength++, (byte)'\n');
        final byte[] body = Arrays.copyOf(events.byteArray(), buffers.eventsLength); // the sender may keep it
        answerBuffers = null;

        counters.pollsHeld().getAndAdd(-1);
        if (0 == eventCount)
        {
            counters.pollsEmpty().increment();
        }
        counters.framesOut().increment();
        counters.bytesOut().getAndAdd(body.length);
        exchange.setStatusCode(200);
        exchange.getResponseHeaders()
            .put(Headers.CONTENT_TYPE, "application/json")
            .put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    public ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final AnswerBuffers buffers = answerBuffers;
        if (OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId)
        {
            if (eventCount++ > 0)
            {
                buffers.events.putByte(buffers.eventsLength++, (byte)',');
            }
            buffers.events.putBytes(buffers.eventsLength, buffer, index, length);
            buffers.eventsLength += length;
        }
        else
        {
            buffers.controls.putBytes(buffers.controlsLength, buffer, index, length);
            buffers.controlsLength += length;
        }
        return Action.CONTINUE;
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
        if (WebSocketCloseCodes.GOING_AWAY == code)
        {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, 1);
        }
        HttpResponses.reject(exchange, WebSocketCloseCodes.TRY_AGAIN_LATER == code ||
            WebSocketCloseCodes.GOING_AWAY == code ? 503 : 500, reason, counters);
    }

    private void cancelExpiry()
    {
        if (null != expiry)
        {
            expiry.remove();
            expiry = null;
        }
    }

    /**
     * Where an IO thread renders answers: events and control fragments apart, joined at the end.
     */
    private static final class AnswerBuffers
    {
        final ExpandableArrayBuffer events = new ExpandableArrayBuffer(16 * 1024);
        final ExpandableArrayBuffer controls = new ExpandableArrayBuffer(512);
        int eventsLength;
        int controlsLength;
    }
}
