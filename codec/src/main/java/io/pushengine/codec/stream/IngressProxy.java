package io.pushengine.codec.stream;

import io.aeron.Publication;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.sbe.CatalogRequestEncoder;
import io.pushengine.codec.sbe.IngressAuthenticateEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PublishRequestEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Sends requests to the engine's ingress stream: {@code PublishRequest} and {@code CatalogRequest}.
 * <p>
 * Each send is one {@link Publication#offer} with a bounded number of retries on {@code BACK_PRESSURED} and
 * {@code ADMIN_ACTION}; the Aeron result (new position, or a negative code) is returned for the caller to act on.
 * A proxy is not thread-safe (its encoding buffer), but proxies on different threads may share a publication, even
 * an exclusive one, or an {@link IngressSink}: the offer itself is serialised on it.
 */
public final class IngressProxy
{
    private static final int MAX_RETRIES = 3;

    private final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(1024);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final PublishRequestEncoder publishRequestEncoder = new PublishRequestEncoder();
    private final CatalogRequestEncoder catalogRequestEncoder = new CatalogRequestEncoder();
    private final IngressAuthenticateEncoder ingressAuthenticateEncoder = new IngressAuthenticateEncoder();
    private final Object sendLock;
    private IngressSink sink;
    private AgentWakeups.Wakeup consumerWakeup;

    public IngressProxy(final Publication publication)
    {
        this.sink = sinkOf(publication);
        this.sendLock = publication;
        this.consumerWakeup = AgentWakeups.forStream(publication.channel(), publication.streamId());
    }

    /**
     * Requests to any other sink (a cluster session); proxies sharing the sink serialise their offers on it.
     */
    public IngressProxy(final IngressSink sink)
    {
        this.sink = sink;
        this.sendLock = sink;
        this.consumerWakeup = new AgentWakeups.Wakeup();
    }

    /**
     * Send to another publication from now on (an edge that moves to another cluster member). For a proxy used
     * by one thread only: the proxy's own buffer serialises it.
     */
    public void publication(final Publication publication)
    {
        this.sink = sinkOf(publication);
        this.consumerWakeup = AgentWakeups.forStream(publication.channel(), publication.streamId());
    }

    private static IngressSink sinkOf(final Publication publication)
    {
        return new IngressSink()
        {
            public long offer(final DirectBuffer buffer, final int offset, final int length)
            {
                return publication.offer(buffer, offset, length);
            }

            public boolean isConnected()
            {
                return publication.isConnected();
            }
        };
    }

    /**
     * @return the Aeron result of the offer: a positive position, or a negative {@link Publication} code.
     */
    public long publish(
        final long correlationId,
        final String topicName,
        final PayloadType payloadType,
        final long timestampNs,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        publishRequestEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .timestampNs(timestampNs)
            .payloadType(payloadType)
            .topicName(topicName)
            .putPayload(payload, payloadOffset, payloadLength);

        return offer(MessageHeaderEncoder.ENCODED_LENGTH + publishRequestEncoder.encodedLength());
    }

    /**
     * Present a token for this Aeron session's publishes (an engine whose ingress requires one).
     */
    public long authenticate(final long correlationId, final String token)
    {
        ingressAuthenticateEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .token(token);
        return offer(MessageHeaderEncoder.ENCODED_LENGTH + ingressAuthenticateEncoder.encodedLength());
    }

    /**
     * Ask the engine to re-announce every topic on the event stream.
     */
    public long requestCatalog(final long correlationId)
    {
        catalogRequestEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder).correlationId(correlationId);
        return offer(MessageHeaderEncoder.ENCODED_LENGTH + catalogRequestEncoder.encodedLength());
    }

    public boolean isConnected()
    {
        return sink.isConnected();
    }

    private long offer(final int length)
    {
        // several proxies (threads) may share one exclusive publication: an edge's HTTP IO threads, its fan-out and
        // its ingress authentication; the lock is uncontended on a publisher's single thread
        final long result;
        synchronized (sendLock)
        {
            result = offerLocked(length);
        }
        if (result > 0)
        {
            consumerWakeup.wake(); // the sequencer, if it is in this process and parked
        }
        return result;
    }

    private long offerLocked(final int length)
    {
        long result = 0;
        for (int i = 0; i <= MAX_RETRIES; i++)
        {
            result = sink.offer(buffer, 0, length);
            if (result > 0 || (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION))
            {
                return result;
            }
            Thread.onSpinWait();
        }
        return result;
    }
}
