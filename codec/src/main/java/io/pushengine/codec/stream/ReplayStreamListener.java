package io.pushengine.codec.stream;

import io.pushengine.codec.sbe.EventDecoder;
import org.agrona.DirectBuffer;

/**
 * What an edge hears on the engine's replay stream: answers to journal replay requests (its own and other edges').
 */
public interface ReplayStreamListener
{
    void onReplayBegin(long correlationId);

    /**
     * A replayed event (the whole {@code Event} message at {@code offset}, header included).
     */
    void onReplayedEvent(EventDecoder event, DirectBuffer buffer, int offset, int length);

    void onReplayEnd(long correlationId, long lastSequence, long oldestRetained, boolean tooOld);
}
