package io.pushengine.edge.session;

/**
 * Where a resuming connection has got to. Allocated when a client asks to resume, dropped when it is live.
 * Fan-out thread only.
 */
final class ResumeState
{
    long cursor;
    long replayCorrelationId;
    long replayFrom;
    boolean replayAbandoned;
    boolean incomplete;
    long oldestRetained;
    long catalogAnswersAwaited = -1;
}
