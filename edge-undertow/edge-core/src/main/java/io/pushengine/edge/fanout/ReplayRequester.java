package io.pushengine.edge.fanout;

/**
 * Asks the engine (or the cluster member this edge follows) for a journal replay; the answer comes on the replay
 * stream as {@code ReplayBegin}, events, {@code ReplayEnd}. Fan-out thread only.
 */
@FunctionalInterface
interface ReplayRequester
{
    /**
     * @return true if the request went out; false if it cannot now (not connected, back pressure, or the replay
     * stream that would carry the answer has not joined yet): ask again later.
     */
    boolean request(long correlationId, long fromSequence, long toSequence);
}
