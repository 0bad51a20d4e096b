package io.pushengine.edge.cluster;

import io.aeron.Subscription;

/**
 * What a {@link ClusterAttachment} needs of the fan-out that reads the followed member's streams: when it last
 * heard from them, and a way to read another member's. Implemented by the fan-out agent; called on its thread.
 */
public interface MemberStreamReader
{
    /**
     * @return the reader's clock when it last read anything from the event or replay stream.
     */
    long lastHeardNs();

    /**
     * Read these streams from now on; position, catalog and connections carry over.
     */
    void attach(Subscription eventSubscription, Subscription replaySubscription);
}
