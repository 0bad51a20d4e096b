package io.pushengine.journal;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.CloseHelper;

import java.io.File;

/**
 * Durable topic name to number assignments, so numbers survive restarts. A separate Chronicle Queue from the
 * events (never rolled away by event retention), one excerpt per topic: {@code int number, String name}.
 * Written only by the sequencer; read fully at start.
 */
public final class TopicRegistryStore implements AutoCloseable
{
    /**
     * Receives stored topics in the order they were declared.
     */
    @FunctionalInterface
    public interface TopicConsumer
    {
        void onTopic(int number, String name);
    }

    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;

    public TopicRegistryStore(final File journalDir)
    {
        SingleChronicleQueue q = null;
        try
        {
            q = SingleChronicleQueueBuilder.binary(new File(journalDir, "topics"))
                .rollCycle(RollCycles.FAST_DAILY)
                .build();
            this.queue = q;
            this.appender = q.createAppender();
            this.appender.singleThreadedCheckDisabled(true); // the sequencer's, on whichever thread runs its cycle
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(q);
            throw ex;
        }
    }

    public void append(final int number, final String name)
    {
        try (DocumentContext dc = appender.writingDocument())
        {
            dc.wire().bytes().writeInt(number).writeUtf8(name);
        }
    }

    /**
     * @return number of topics read.
     */
    public int readAll(final TopicConsumer consumer)
    {
        int count = 0;
        try (ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final int number = dc.wire().bytes().readInt();
                    final String name = dc.wire().bytes().readUtf8();
                    consumer.onTopic(number, name);
                    count++;
                }
            }
        }
        return count;
    }

    public void close()
    {
        CloseHelper.closeAll(appender, queue);
    }
}
