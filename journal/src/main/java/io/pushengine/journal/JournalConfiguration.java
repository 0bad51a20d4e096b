package io.pushengine.journal;

/**
 * System properties of the journal, with their defaults. Read once by {@link EventJournal.Context#conclude()}.
 */
public final class JournalConfiguration
{
    /** Directory holding {@code events/} and {@code topics/}. */
    public static final String DIR_PROP_NAME = "push.journal.dir";
    public static final String DIR_DEFAULT = "data/journal";

    /** Chronicle roll cycle name, e.g. {@code FAST_DAILY}, {@code FAST_HOURLY}. */
    public static final String ROLL_CYCLE_PROP_NAME = "push.journal.roll.cycle";
    public static final String ROLL_CYCLE_DEFAULT = "FAST_DAILY";

    /** Roll-cycle files last written longer ago than this are deleted; 0 keeps them for ever. */
    public static final String RETENTION_MS_PROP_NAME = "push.journal.retention.ms";
    public static final long RETENTION_MS_DEFAULT = 7L * 24 * 60 * 60 * 1000;

    /** Oldest roll-cycle files are deleted while the journal is larger than this; 0 for no size limit. */
    public static final String RETENTION_BYTES_PROP_NAME = "push.journal.retention.bytes";
    public static final long RETENTION_BYTES_DEFAULT = 0;

    private JournalConfiguration()
    {
    }

    public static String dir()
    {
        return System.getProperty(DIR_PROP_NAME, DIR_DEFAULT);
    }

    public static String rollCycle()
    {
        return System.getProperty(ROLL_CYCLE_PROP_NAME, ROLL_CYCLE_DEFAULT);
    }

    public static long retentionMs()
    {
        return Long.getLong(RETENTION_MS_PROP_NAME, RETENTION_MS_DEFAULT);
    }

    public static long retentionBytes()
    {
        return Long.getLong(RETENTION_BYTES_PROP_NAME, RETENTION_BYTES_DEFAULT);
    }
}
