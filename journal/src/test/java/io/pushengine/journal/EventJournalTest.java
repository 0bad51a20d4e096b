package io.pushengine.journal;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventJournalTest
{
    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final EventEncoder encoder = new EventEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();

    @Test
    void readsBackEveryEventInOrderFromAnySequence()
    {
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(dir)))
        {
            for (long seq = 1; seq <= 1000; seq++)
            {
                journal.append(buffer, 0, encode(seq));
            }

            try (JournalReader reader = journal.newReader())
            {
                assertEquals(JournalReader.FOUND, reader.seek(1));
                assertEquals(List.of(1L, 2L, 3L), readSequences(reader, 3));

                assertEquals(JournalReader.FOUND, reader.seek(777));
                assertEquals(List.of(777L, 778L), readSequences(reader, 2));

                assertEquals(JournalReader.FOUND, reader.seek(1000));
                assertEquals(List.of(1000L), readSequences(reader, 10));

                assertEquals(JournalReader.AFTER_END, reader.seek(1001));
                assertEquals(List.of(), readSequences(reader, 10));

                journal.append(buffer, 0, encode(1001));
                assertEquals(List.of(1001L), readSequences(reader, 10), "a reader at the end sees new appends");
            }
        }
    }

    @Test
    void eventsSurviveReopen()
    {
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(dir)))
        {
            for (long seq = 1; seq <= 10; seq++)
            {
                journal.append(buffer, 0, encode(seq));
            }
        }

        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(dir));
            JournalReader reader = journal.newReader())
        {
            assertEquals(10, journal.entryCount());
            assertEquals(JournalReader.FOUND, reader.seek(5));
            assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), readSequences(reader, 100));
        }
    }

    @Test
    void seekOnEmptyJournalIsAfterEnd()
    {
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(dir));
            JournalReader reader = journal.newReader())
        {
            assertEquals(JournalReader.AFTER_END, reader.seek(1));
        }
    }

    @Test
    void directBuffersAreJournaledToo()
    {
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(dir)))
        {
            direct.putBytes(0, buffer, 0, encode(1));
            journal.append(direct, 0, encode(1));
            try (JournalReader reader = journal.newReader())
            {
                assertEquals(List.of(1L), readSequences(reader, 10));
            }
        }
    }

    @Test
    void topicRegistryKeepsAssignmentsAcrossRestarts()
    {
        try (TopicRegistryStore store = new TopicRegistryStore(dir))
        {
            store.append(1, "prices.EURUSD");
            store.append(2, "prices.GBPUSD");
        }
        final Map<Integer, String> topics = new TreeMap<>();
        try (TopicRegistryStore store = new TopicRegistryStore(dir))
        {
            assertEquals(2, store.readAll(topics::put));
        }
        assertEquals(Map.of(1, "prices.EURUSD", 2, "prices.GBPUSD"), topics);
    }

    private int encode(final long sequence)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .globalSequence(sequence)
            .topic(1)
            .topicSequence(sequence)
            .timestampNs(System.nanoTime())
            .payloadType(PayloadType.TEXT)
            .putPayload(("event " + sequence).getBytes(StandardCharsets.UTF_8), 0, ("event " + sequence).length());
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private static List<Long> readSequences(final JournalReader reader, final int limit)
    {
        final List<Long> sequences = new ArrayList<>();
        final EventDecoder decoder = new EventDecoder();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        reader.read((buffer, offset, length) ->
        {
            decoder.wrapAndApplyHeader(buffer, offset, header);
            sequences.add(decoder.globalSequence());
            return true;
        }, limit);
        return sequences;
    }
}
