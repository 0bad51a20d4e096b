package io.pushengine.edge.poll;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Rings for polls, reused: a poll with something to answer needs one for a few milliseconds, and allocating (and
 * zeroing) a direct buffer for each would make a busy polling population churn native memory. IO threads give
 * rings back once read empty (head = tail: an empty ring, ready for the next writer wherever its positions stand);
 * the fan-out takes them. Up to {@code maxIdle} are kept.
 */
final class PollRingPool
{
    private final ManyToOneConcurrentArrayQueue<OneToOneRingBuffer> idle;
    private final int capacity;

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
     * Any IO thread; the ring must have been read empty.
     */
    void giveBack(final OneToOneRingBuffer ring)
    {
        if (ring.capacity() == capacity && 0 == ring.size())
        {
            idle.offer(ring); // dropped for the GC if the pool is full
        }
    }
}
