package io.pushengine.codec.stream;

import io.aeron.Publication;
import org.agrona.DirectBuffer;

/**
 * Where an {@link IngressProxy} sends its encoded requests: an Aeron {@link Publication} to a single engine's
 * ingress, or a session with a replicated sequencer's cluster. Offers answer as {@link Publication#offer} does (a
 * new position, or a negative {@code Publication} code). Implementations are safe to offer to from several threads
 * when the proxy serialises on the sink, as {@link IngressProxy} does.
 */
public interface IngressSink
{
    long offer(DirectBuffer buffer, int offset, int length);

    boolean isConnected();
}
