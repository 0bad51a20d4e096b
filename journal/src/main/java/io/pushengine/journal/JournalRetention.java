package io.pushengine.journal;

import java.io.File;
import java.util.Arrays;

/**
 * Deletes the journal's oldest roll-cycle files: those whose cycle ended longer ago than the age limit, and, oldest
 * first, as many as it takes to bring the journal under the size limit. The newest cycle (the one being written)
 * is never deleted, so the last events and the sequence they carry always survive. Run it off the sequencer's
 * thread ({@link #enforce(long)} lists and deletes files); readers see the new oldest event at once.
 * <p>
 * What is deleted can no longer be replayed: a client resuming from before the oldest retained event is told to
 * reset, never given a silent gap.
 */
public final class JournalRetention
{
    private static final String CYCLE_FILE_SUFFIX = ".cq4";

    private final EventJournal journal;
    private final long maxAgeMs;
    private final long maxBytes;

    /**
     * @param maxAgeMs cycles that ended longer ago than this are deleted; 0 for no age limit.
     * @param maxBytes oldest cycles are deleted while the journal is larger than this; 0 for no size limit.
     */
    public JournalRetention(final EventJournal journal, final long maxAgeMs, final long maxBytes)
    {
        this.journal = journal;
        this.maxAgeMs = maxAgeMs;
        this.maxBytes = maxBytes;
    }

    public boolean isEnabled()
    {
        return maxAgeMs > 0 || maxBytes > 0;
    }

    /**
     * @param nowMs wall-clock time, ms since the epoch.
     * @return number of cycle files deleted.
     */
    public int enforce(final long nowMs)
    {
        if (!isEnabled())
        {
            return 0;
        }
        final File[] cycles = journal.eventsDir().listFiles((dir, name) -> name.endsWith(CYCLE_FILE_SUFFIX));
        if (null == cycles || cycles.length < 2)
        {
            return 0;
        }
        Arrays.sort(cycles); // cycle file names sort in time order within one roll cycle
        long totalBytes = 0;
        for (final File cycle : cycles)
        {
            totalBytes += cycle.length();
        }

        int deleted = 0;
        for (int i = 0; i < cycles.length - 1; i++)
        {
            final File cycle = cycles[i];
            final long endMs = journal.cycleEndMs(cycle);
            final boolean tooOld = maxAgeMs > 0 && nowMs - (endMs > 0 ? endMs : cycle.lastModified()) > maxAgeMs;
            final boolean tooBig = maxBytes > 0 && totalBytes > maxBytes;
            if (!tooOld && !tooBig)
            {
                break;
            }
            final long length = cycle.length();
            if (cycle.delete())
            {
                totalBytes -= length;
                deleted++;
            }
        }
        if (deleted > 0)
        {
            journal.refreshDirectoryListing();
        }
        return deleted;
    }
}
