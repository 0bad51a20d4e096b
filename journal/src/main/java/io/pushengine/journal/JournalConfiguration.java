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
}
