package io.pushengine.edge.poll;

import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Rings for polls, reused: a poll with something to answer needs one for a few milliseconds, and allocating (and
 * zeroing) a direct buffer for each would make a busy polling population churn native memory. Polls start in a
 * small ring (most answers are an event or a few), so one event that answers thousands of waiting polls holds
 * thousands of small rings, not of full ones. IO threads give rings back once read empty (head = tail: an empty ring,
 * ready for the next writer wherever its positions stand); the fan-out takes them. Up to {@code maxIdle} of the
 * pooled size are kept; a larger ring (an answer that outgrew its first), or one the pool has no room for, is freed
 * at once rather than left to the garbage collector.
 */
final class PollRingPool
{
    /**
     * Idle pooled rings are kept up to this many bytes, or {@link #MIN_IDLE} rings if more.
     */
    static final int IDLE_BYTES = 4 * 1024 * 1024;
    static final int MIN_IDLE = 64;

    private final ManyToOneConcurrentArrayQueue<OneToOneRingBuffer> idle;
    private final int capacity;

    /**
     * @param capacity the pooled size: polls' first ring.
     */
    PollRingPool(final int capacity)
    {
        this(capacity, Math.max(MIN_IDLE, IDLE_BYTES / capacity));
    }

    PollRingPool(final int capacity, final int maxIdle)
    {
        this.capacity = capacity;
        this.idle = new ManyToOneConcurrentArrayQueue<>(maxIdle);
    }

    /**
     * Fan-out thread.
     */
    OneToOneRingBuffer take(final int capacity)
    {
        if (capacity == this.capacity)
        {
            final OneToOneRingBuffer ring = idle.poll();
            if (null != ring)
            {
                return ring;
            }
        }
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * Any IO thread; the ring must have been read empty, and nothing else may use it after.
     */
    void giveBack(final OneToOneRingBuffer ring)
    {
        if (ring.capacity() != capacity || 0 != ring.size() || !idle.offer(ring))
        {
            BufferUtil.free(ring.buffer());
        }
    }
}
