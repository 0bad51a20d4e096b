package io.pushengine.app;

import io.pushengine.codec.json.EventJsonRenderer;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalConfiguration;
import io.pushengine.journal.JournalReader;
import io.pushengine.journal.TopicRegistryStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.PrintStream;

/**
 * {@code java -jar push-engine.jar journal [--dir DIR] [--from SEQ] [--topic NAME|PREFIX*] [--count N] [--follow]}:
 * prints the journal's events as JSON lines (the same JSON a poll answers), for support and for replaying incidents.
 * Reads the Chronicle files of a stopped or running engine on this host; writes nothing to them.
 * <ul>
 *     <li>{@code --from SEQ}: the first global sequence to print (default: the oldest retained); older than the
 *     oldest retained: says so and starts there; past the end: says where the journal ends (exit 2), unless
 *     {@code --follow}, which then waits for it.</li>
 *     <li>{@code --topic}: only this topic, or with a trailing {@code *} the topics starting with the rest.</li>
 *     <li>{@code --follow}: after the end, keep printing new events as they are journaled (Ctrl-C to stop).</li>
 * </ul>
 */
public final class JournalMain
{
    static final String USAGE = "usage: java -jar push-engine.jar journal [--dir DIR] [--from SEQ] " +
        "[--topic NAME|PREFIX*] [--count N] [--follow]";

    private static final long FOLLOW_POLL_MS = 100;

    private JournalMain()
    {
    }

    /**
     * @return the process exit code: 0, or 2 with the reason on {@code err}.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        String dir = JournalConfiguration.dir();
        long from = 0;
        String topic = null;
        long count = Long.MAX_VALUE;
        boolean follow = false;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                final String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--dir" -> dir = CommandOptions.required(args[i], value);
                    case "--from" -> from = CommandOptions.positive(args[i], value);
                    case "--topic" -> topic = CommandOptions.required(args[i], value);
                    case "--count" -> count = CommandOptions.positive(args[i], value);
                    case "--follow" ->
                    {
                        follow = true;
                        continue;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
                i++;
            }
        }
        catch (final IllegalArgumentException ex)
        {
            err.println(ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        final File journalDir = new File(dir);
        if (!new File(journalDir, "events").isDirectory() || !new File(journalDir, "topics").isDirectory())
        {
            err.println((journalDir.isDirectory() ? dir + " is not a push journal (no events/ and topics/ in it)" :
                "no journal at " + dir) + ": give --dir, or set push.journal.dir");
            return 2;
        }

        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(journalDir));
            TopicRegistryStore registry = new TopicRegistryStore(journalDir);
            JournalReader reader = journal.newReader())
        {
            final Printer printer = new Printer(registry, topic, count, out);
            if (from > 0)
            {
                final int found = reader.seek(from);
                if (JournalReader.BEFORE_START == found)
                {
                    err.println("sequence " + from + " is no longer retained: starting at the oldest, " +
                        reader.oldestSequence());
                    reader.toStart();
                }
                else if (JournalReader.AFTER_END == found && !follow)
                {
                    final long last = lastSequence(reader);
                    err.println("the journal ends at sequence " + last + ": nothing from " + from +
                        " (--follow waits for it)");
                    return 2;
                }
            }
            while (!printer.isDone())
            {
                if (0 == reader.read(printer, 1024))
                {
                    if (!follow)
                    {
                        break;
                    }
                    Thread.sleep(FOLLOW_POLL_MS);
                }
            }
            out.flush();
            return 0;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    private static long lastSequence(final JournalReader reader)
    {
        reader.toStart();
        final long[] last = { 0 };
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EventDecoder event = new EventDecoder();
        while (reader.read((buffer, offset, length) ->
        {
            last[0] = event.wrapAndApplyHeader(buffer, offset, header).globalSequence();
            return true;
        }, 4096) > 0)
        {
            // to the end: a support tool, not a hot path
        }
        return last[0];
    }

    /**
     * Renders each event read as one JSON line, keeping topic names up to date from the registry.
     */
    private static final class Printer implements io.pushengine.journal.JournalEventHandler
    {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final EventDecoder event = new EventDecoder();
        private final EventJsonRenderer renderer = new EventJsonRenderer();
        private final ExpandableArrayBuffer line = new ExpandableArrayBuffer(1024);
        private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
        private final Int2ObjectHashMap<String> topicNames = new Int2ObjectHashMap<>();
        private final TopicRegistryStore registry;
        private final String topic;
        private final boolean prefix;
        private final PrintStream out;
        private long remaining;

        Printer(final TopicRegistryStore registry, final String topic, final long count, final PrintStream out)
        {
            this.registry = registry;
            this.prefix = null != topic && topic.endsWith("*");
            this.topic = prefix ? topic.substring(0, topic.length() - 1) : topic;
            this.remaining = count;
            this.out = out;
            registry.readAll(topicNames::put);
        }

        boolean isDone()
        {
            return 0 == remaining;
        }

        public boolean onJournaledEvent(final DirectBuffer buffer, final int offset, final int length)
        {
            event.wrapAndApplyHeader(buffer, offset, header);
            final long globalSequence = event.globalSequence();
            final int number = event.topic();
            final long topicSequence = event.topicSequence();
            final long timestampNs = event.timestampNs();
            String name = topicNames.get(number);
            if (null == name)
            {
                registry.readAll(topicNames::put); // declared since we started
                name = topicNames.get(number);
                name = null != name ? name : "#" + number;
            }
            if (null != topic && !(prefix ? name.startsWith(topic) : name.equals(topic)))
            {
                return true;
            }
            final int payloadLength = event.payloadLength();
            final int payloadOffset = event.limit() + EventDecoder.payloadHeaderLength();
            payload.wrap(buffer, payloadOffset, payloadLength);
            line.checkLimit(EventJsonRenderer.maxLength(payloadLength) + name.length());
            final int written = renderer.render(line, 0, globalSequence, name, topicSequence, timestampNs,
                event.payloadType(), payload, 0, payloadLength);
            out.write(line.byteArray(), 0, written);
            out.write('\n');
            return --remaining > 0;
        }
    }

}
