package io.pushengine.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.io.File;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;

/**
 * The event journal: one Chronicle Queue excerpt per sequenced event, holding the SBE {@code Event} message exactly
 * as it is distributed (header included). Global sequences are contiguous, so an event's position in its roll cycle
 * is {@code sequence - firstSequenceOfCycle}, which is how {@link JournalReader#seek(long)} finds it without a scan.
 * <p>
 * Appending is single-threaded (the sequencer's thread); readers are separate single-threaded objects.
 * Durability: an appended event is in the memory-mapped file, so it survives the process being killed (kill -9) but
 * not the host losing power before the OS writes the page back.
 */
public final class EventJournal implements AutoCloseable
{
    /**
     * Configuration of a journal. Single use: a journal owns its context.
     */
    public static final class Context
    {
        private File dir;
        private String rollCycle;

        public Context dir(final File dir)
        {
            this.dir = dir;
            return this;
        }

        public File dir()
        {
            return dir;
        }

        public Context rollCycle(final String rollCycle)
        {
            this.rollCycle = rollCycle;
            return this;
        }

        public String rollCycle()
        {
            return rollCycle;
        }

        public Context conclude()
        {
            if (null == dir)
            {
                dir = new File(JournalConfiguration.dir());
            }
            if (null == rollCycle)
            {
                rollCycle = JournalConfiguration.rollCycle();
            }
            resolveRollCycle(rollCycle);
            return this;
        }
    }

    /**
     * A Chronicle roll cycle by name: {@code FAST_DAILY}, {@code FAST_HOURLY}, {@code FIVE_MINUTELY}... or, for tests
     * of retention, {@code TEST_SECONDLY}.
     */
    static RollCycle resolveRollCycle(final String name)
    {
        try
        {
            return RollCycles.valueOf(name);
        }
        catch (final IllegalArgumentException ex)
        {
            try
            {
                return TestRollCycles.valueOf(name);
            }
            catch (final IllegalArgumentException ignore)
            {
                throw new IllegalArgumentException("unknown roll cycle '" + name + "' for " +
                    JournalConfiguration.ROLL_CYCLE_PROP_NAME, ex);
            }
        }
    }

    private final Context ctx;
    private final SingleChronicleQueue eventQueue;
    private final ExcerptAppender appender;
    private byte[] scratch = new byte[1024];

    public EventJournal(final Context ctx)
    {
        this.ctx = ctx.conclude();
        SingleChronicleQueue queue = null;
        try
        {
            queue = SingleChronicleQueueBuilder.binary(new File(ctx.dir(), "events"))
                .rollCycle(resolveRollCycle(ctx.rollCycle()))
                .build();
            this.eventQueue = queue;
            this.appender = queue.createAppender();
            // one writer at a time, but not always the same thread: the sequencer's duty cycle may run on a
            // producer's event loop (CallerRunsDutyCycle), ordered by its lock
            this.appender.singleThreadedCheckDisabled(true);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(queue);
            throw ex;
        }
    }

    public Context context()
    {
        return ctx;
    }

    /**
     * Append one encoded {@code Event} message. Call from the single writer thread only.
     */
    public void append(final DirectBuffer buffer, final int offset, final int length)
    {
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            final byte[] array = buffer.byteArray();
            if (null != array)
            {
                bytes.write(array, (int)buffer.wrapAdjustment() + offset, length);
            }
            else
            {
                if (scratch.length < length)
                {
                    scratch = new byte[Math.max(length, scratch.length * 2)];
                }
                buffer.getBytes(offset, scratch, 0, length);
                bytes.write(scratch, 0, length);
            }
        }
    }

    /**
     * A new reader positioned at the start. Each reader is single-threaded; close it when done.
     */
    public JournalReader newReader()
    {
        return new JournalReader(eventQueue);
    }

    /**
     * The directory of the event queue's roll-cycle files.
     */
    public File eventsDir()
    {
        return eventQueue.file();
    }

    /**
     * When the cycle held by a roll-cycle file ended (or will end), ms since the epoch; -1 if the name is not one of
     * this journal's cycle names.
     */
    public long cycleEndMs(final File cycleFile)
    {
        final RollCycle rollCycle = eventQueue.rollCycle();
        final String name = cycleFile.getName().replace(".cq4", "");
        try
        {
            final TemporalAccessor parsed = DateTimeFormatter.ofPattern(rollCycle.format())
                .withZone(ZoneOffset.UTC).parse(name);
            final long startMs = parsed.isSupported(ChronoField.HOUR_OF_DAY) ?
                LocalDateTime.from(parsed).toInstant(ZoneOffset.UTC).toEpochMilli() :
                LocalDate.from(parsed).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            return startMs + rollCycle.lengthInMillis();
        }
        catch (final DateTimeException ex)
        {
            return -1;
        }
    }

    /**
     * Make every reader see the cycle files now on disk (after {@link JournalRetention} deleted some).
     */
    public void refreshDirectoryListing()
    {
        eventQueue.refreshDirectoryListing();
    }

    /**
     * @return number of events currently held (all retained cycles).
     */
    public long entryCount()
    {
        return eventQueue.entryCount();
    }

    public void close()
    {
        CloseHelper.closeAll(appender, eventQueue);
    }
}
