package io.pushengine.edge.session;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.fanout.TopicSubscribers;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.xnio.XnioIoThread;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client connection as the fan-out sees it: a bounded single-producer/single-consumer ring between the fan-out
 * agent (producer) and the connection's Undertow IO thread (consumer), plus the signalling between them.
 * <p>
 * The fan-out never blocks and never touches the socket: it writes into the ring and asks for a flush; the IO
 * thread drains the ring into frames only as fast as the socket takes them (one frame in flight at a time). The ring
 * is the only buffer that grows with a slow client, and it is bounded: when it is full the session is closed as a
 * slow consumer (1013 for WebSocket) with the last sequence it was given, so it can resume.
 * <p>
 * Threading: fields marked "fan-out" belong to the fan-out thread; the transport subclasses' IO state belongs to
 * the IO thread; {@link #flushScheduled} and {@link #closed} are the handshake between them.
 */
public abstract class ClientSession
{
    private final long sessionId;
    private final String transport;
    private final String remoteAddress;
    protected final OneToOneRingBuffer ring;
    protected final XnioIoThread ioThread;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Runnable flushTask = this::runFlush;
    private final Runnable windowTask = this::onBatchWindowEnd;
    private final long batchWindowMs;
    private final BackpressurePolicy policy;
    private boolean batchWindowOpen;
    protected volatile boolean closed;

    // fan-out thread state
    private final List<TopicSubscribers> subscriptions = new ArrayList<>();
    private boolean pendingFlush;
    private long lastOfferNs;
    private long lastOfferedSequence;
    private IntHashSet conflatedTopics;
    private boolean lagging;

    protected ClientSession(
        final long sessionId,
        final String transport,
        final String remoteAddress,
        final XnioIoThread ioThread,
        final int ringCapacity,
        final long batchWindowMs,
        final BackpressurePolicy policy)
    {
        this.batchWindowMs = batchWindowMs;
        this.policy = policy;
        this.sessionId = sessionId;
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.ioThread = ioThread;
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(ringCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    public long sessionId()
    {
        return sessionId;
    }

    public String transport()
    {
        return transport;
    }

    public String remoteAddress()
    {
        return remoteAddress;
    }

    public boolean isClosed()
    {
        return closed;
    }

    // ---------------------------------------------------------------- fan-out thread

    /**
     * Queue an event in this connection's wire form.
     *
     * @return false if the ring is full (the client is too slow).
     */
    public abstract boolean offerEvent(EncodedEvent event);

    /**
     * Queue a heartbeat (sent only when the connection has been idle).
     */
    public abstract boolean offerHeartbeat(long timestampNs, long lastGlobalSequence);

    /**
     * Tell the client a subscription is live and which number its events carry.
     */
    public abstract boolean offerSubscribed(long correlationId, int topic, long topicSequence, String topicName);

    /**
     * Close because the ring overflowed. Called on the fan-out thread; the close happens on the IO thread.
     */
    public abstract void closeAsSlowConsumer(long lastQueuedSequence);


    public BackpressurePolicy policy()
    {
        return policy;
    }

    /**
     * True while the ring was full and newer events are being conflated instead of queued. Fan-out thread.
     */
    public boolean isLagging()
    {
        return lagging;
    }

    /**
     * Remember that {@code topic} has a newer value to send when the ring has room. Fan-out thread.
     */
    public void conflate(final int topic)
    {
        if (null == conflatedTopics)
        {
            conflatedTopics = new IntHashSet();
        }
        conflatedTopics.add(topic);
        lagging = true;
    }

    /**
     * Topics with a pending latest value; iterate and remove as they are sent. Fan-out thread.
     */
    public IntHashSet conflatedTopics()
    {
        return conflatedTopics;
    }

    public void caughtUp()
    {
        lagging = false;
    }

    public List<TopicSubscribers> subscriptions()
    {
        return subscriptions;
    }

    public long lastOfferNs()
    {
        return lastOfferNs;
    }

    public void lastOfferNs(final long nowNs)
    {
        lastOfferNs = nowNs;
    }

    public long lastOfferedSequence()
    {
        return lastOfferedSequence;
    }

    public void lastOfferedSequence(final long sequence)
    {
        lastOfferedSequence = sequence;
    }

    /**
     * @return true if the session was not already waiting for a flush signal this duty cycle.
     */
    public boolean markPendingFlush()
    {
        if (pendingFlush)
        {
            return false;
        }
        pendingFlush = true;
        return true;
    }

    public void clearPendingFlush()
    {
        pendingFlush = false;
    }

    /**
     * Ask the IO thread to drain the ring. At most one task is queued per connection however many events arrive.
     */
    public void requestFlush()
    {
        if (!closed && flushScheduled.compareAndSet(false, true))
        {
            ioThread.execute(flushTask);
        }
    }

    // ---------------------------------------------------------------- IO thread

    /**
     * With a batching window, the first signal opens the window and events arriving until it ends go out together
     * (up to a frame); without one, drain at once. A backlog is drained without waiting for further windows.
     */
    private void runFlush()
    {
        flushScheduled.set(false);
        if (closed)
        {
            return;
        }
        if (batchWindowMs > 0)
        {
            if (!batchWindowOpen)
            {
                batchWindowOpen = true;
                ioThread.executeAfter(windowTask, batchWindowMs, TimeUnit.MILLISECONDS);
            }
            return;
        }
        drain();
    }

    private void onBatchWindowEnd()
    {
        batchWindowOpen = false;
        if (!closed)
        {
            drain();
        }
    }

    /**
     * Drain the ring into the transport, as far as the socket allows. IO thread only.
     */
    protected abstract void drain();

    /**
     * Bytes waiting in the ring.
     */
    public int bufferedBytes()
    {
        return ring.size();
    }
}
