package io.pushengine.edge.session;

/**
 * Where a resuming connection has got to: its cursor (the last sequence it has been given or has had skipped as not
 * on its topics), the journal replay it waits for, and whether what it missed was still retained. Allocated when a
 * client asks to resume, dropped when it is live ({@link ClientSession#resuming(boolean)}); driven by the fan-out's
 * {@code SessionResumes}. Fan-out thread only.
 */
public final class ResumeState
{
    private long cursor;
    private long replayCorrelationId;
    private long replayFrom;
    private boolean replayAbandoned;
    private boolean incomplete;
    private long oldestRetained;
    private long catalogAnswersAwaited = -1;
    private int listIndex = -1;

    ResumeState(final long cursor)
    {
        this.cursor = cursor;
    }

    /**
     * Its place in the fan-out's list of resuming sessions, so that leaving it is one step, not a search; -1 when
     * not in it.
     */
    public int listIndex()
    {
        return listIndex;
    }

    public void listIndex(final int index)
    {
        listIndex = index;
    }

    public long cursor()
    {
        return cursor;
    }

    public void cursor(final long sequence)
    {
        cursor = sequence;
    }

    /**
     * How many catalog answers the fan-out must have had before a cursor beyond what it knows is a reset; -1 until
     * it has asked.
     */
    public long catalogAnswersAwaited()
    {
        return catalogAnswersAwaited;
    }

    public void catalogAnswersAwaited(final long count)
    {
        catalogAnswersAwaited = count;
    }

    /**
     * The journal replay this session waits for, 0 if none.
     */
    public long replayCorrelationId()
    {
        return replayCorrelationId;
    }

    /**
     * Record a replay asked for, from the current cursor.
     */
    public void replayRequested(final long correlationId)
    {
        replayCorrelationId = correlationId;
        replayFrom = cursor;
        replayAbandoned = false;
    }

    /**
     * The replay has ended.
     *
     * @return true if it moved the cursor on (or was cut short by a full ring, so more is to come).
     */
    public boolean replayEnded()
    {
        replayCorrelationId = 0;
        return replayAbandoned || cursor > replayFrom;
    }

    /**
     * True when the ring filled during a journal replay: the rest of that replay is ignored and asked for again.
     */
    public boolean isReplayAbandoned()
    {
        return replayAbandoned;
    }

    public void replayAbandoned()
    {
        replayAbandoned = true;
    }

    /**
     * True when what the client missed is no longer retained: its resume ends with a reset.
     */
    public boolean isIncomplete()
    {
        return incomplete;
    }

    public long oldestRetained()
    {
        return oldestRetained;
    }

    public void incomplete(final long oldestRetained)
    {
        incomplete = true;
        this.oldestRetained = oldestRetained;
    }
}
