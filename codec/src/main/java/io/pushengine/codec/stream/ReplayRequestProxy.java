package io.pushengine.codec.stream;

import io.aeron.Publication;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.ReplayRequestEncoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends {@code ReplayRequest}s to the engine's replay service. Not thread-safe.
 */
public final class ReplayRequestProxy
{
    private static final int LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + ReplayRequestEncoder.BLOCK_LENGTH;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LENGTH]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ReplayRequestEncoder encoder = new ReplayRequestEncoder();
    private Publication publication;
    private AgentWakeups.Wakeup consumerWakeup;

    public ReplayRequestProxy(final Publication publication)
    {
        this.consumerWakeup = AgentWakeups.forStream(publication.channel(), publication.streamId());
        this.publication = publication;
    }

    /**
     * Send to another publication from now on (an edge that moves to another cluster member).
     */
    public void publication(final Publication publication)
    {
        this.publication = publication;
        this.consumerWakeup = AgentWakeups.forStream(publication.channel(), publication.streamId());
    }

    /**
     * @return true if sent; false when not connected or back-pressured (ask again later).
     */
    public boolean request(final long correlationId, final long fromSequence, final long toSequence)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .fromSequence(fromSequence)
            .toSequence(toSequence);
        if (publication.offer(buffer, 0, LENGTH) > 0)
        {
            consumerWakeup.wake();
            return true;
        }
        return false;
    }
}
