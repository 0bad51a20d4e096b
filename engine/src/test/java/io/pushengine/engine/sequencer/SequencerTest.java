package io.pushengine.engine.sequencer;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.TopicRegistryStore;
import io.pushengine.codec.metrics.HistogramType;
import io.pushengine.codec.metrics.LatencyHistogram;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The sequencer stepped duty cycle by duty cycle on the test's thread, as Aeron's own conductor tests do: the media
 * driver and the Aeron client run as invokers (no threads of their own), the journal is real Chronicle files in a
 * temp dir, and a bounded number of steps (not a clock) ends every wait.
 */
class SequencerTest
{
    private static final int EVENTS_STREAM = 1001;
    private static final int INGRESS_STREAM = 1002;
    private static final int MAX_STEPS = 100_000;

    @TempDir
    File dir;

    private MediaDriver driver;
    private Aeron aeron;
    private EventJournal journal;
    private TopicRegistryStore registry;
    private Subscription events;
    private final Map<String, Integer> topics = new HashMap<>();
    private final ManyToOneRingBuffer publishRing = new ManyToOneRingBuffer(
        new UnsafeBuffer(new byte[64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH]));
    private final AckTable acks = new AckTable(1024);
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(new byte[16 * 1024]), new UnsafeBuffer(new byte[4 * 1024]));
    private final Sequencer.Counters counters = new Sequencer.Counters(counter(), counter(), counter(), counter(),
        counter(), counter(), counter(), LatencyHistogram.allocate(
            countersManager::newCounter, HistogramType.ENGINE_PUBLISH_TO_JOURNAL, "sequencer", null));
    private final List<long[]> received = new ArrayList<>();
    private final FragmentHandler eventCollector = new FragmentHandler()
    {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final EventDecoder event = new EventDecoder();

        public void onFragment(
            final org.agrona.DirectBuffer buffer, final int offset, final int length, final io.aeron.logbuffer.Header h)
        {
            header.wrap(buffer, offset);
            if (EventDecoder.TEMPLATE_ID == header.templateId())
            {
                event.wrapAndApplyHeader(buffer, offset, header);
                received.add(new long[]{event.globalSequence(), event.topic(), event.topicSequence()});
            }
        }
    };

    @BeforeEach
    void start()
    {
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "aeron").getAbsolutePath())
            .threadingMode(ThreadingMode.INVOKER)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .useConductorAgentInvoker(true)
            .driverAgentInvoker(driver.sharedAgentInvoker()));
        events = aeron.addSubscription("aeron:ipc", EVENTS_STREAM);
        openJournal();
    }

    @AfterEach
    void close()
    {
        CloseHelper.quietCloseAll(registry, journal, aeron, driver);
    }

    @Test
    void assignsContiguousSequencesJournalsThenStreamsThemAndAcknowledges()
    {
        final Sequencer sequencer = newSequencer();
        declare("px.a");
        declare("px.b");
        step(sequencer, () -> topics.size() == 2);
        final int a = topics.get("px.a");
        final int b = topics.get("px.b");

        final List<Long> correlationIds = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            correlationIds.add(publish(i % 2 == 0 ? a : b, 100 + i));
        }
        step(sequencer, () -> received.size() == 10);

        for (int i = 0; i < 10; i++)
        {
            final long[] event = received.get(i);
            assertEquals(i + 1, event[0], "global sequence of event " + i);
            assertEquals(i % 2 == 0 ? a : b, event[1]);
            assertEquals(i / 2 + 1, event[2], "topic sequence of event " + i);
            assertEquals(i + 1, acks.sequenceOf(correlationIds.get(i)), "acknowledged with its sequence");
        }
        assertEquals(10, journal.entryCount(), "every event streamed was journaled first");
        assertEquals(10, counters.eventsSequenced().get());
        assertEquals(10, sequencer.lastGlobalSequence());
    }

    @Test
    void refusesAnUndeclaredTopicAndCountsIt()
    {
        final Sequencer sequencer = newSequencer();
        final long correlationId = publish(42, 1);
        step(sequencer, () -> acks.sequenceOf(correlationId) != AckTable.NOT_FOUND);
        assertEquals(AckTable.REJECTED, acks.sequenceOf(correlationId));
        assertEquals(1, counters.publishRejected().get());
        assertEquals(0, journal.entryCount());
    }

    @Test
    void aRestartedSequencerGoesOnFromTheJournalNeverReusingASequence()
    {
        final Sequencer first = newSequencer();
        declare("px.a");
        step(first, () -> topics.size() == 1);
        final int a = topics.get("px.a");
        publish(a, 1);
        publish(a, 2);
        step(first, () -> received.size() == 2);

        CloseHelper.closeAll(registry, journal);
        openJournal();
        topics.clear();
        final Sequencer second = newSequencer();
        assertEquals(2, second.lastGlobalSequence(), "recovered from the journal");
        assertEquals(a, topics.get("px.a"), "the topic keeps its number");
        publish(a, 3);
        step(second, () -> received.size() == 3);
        assertEquals(3, received.get(2)[0]);
        assertEquals(3, received.get(2)[2], "topic sequence continues too");
    }

    private Sequencer newSequencer()
    {
        final Publication eventPublication = aeron.addExclusivePublication("aeron:ipc", EVENTS_STREAM);
        final Subscription ingress = aeron.addSubscription("aeron:ipc", INGRESS_STREAM);
        return new Sequencer(journal, registry, publishRing, eventPublication, ingress, acks, topics::put,
            () -> 1_000L, counters, 1024, 256, new IngressAuthenticator(null), new AgentWakeups.Wakeup());
    }

    private void openJournal()
    {
        journal = new EventJournal(new EventJournal.Context().dir(new File(dir, "journal")));
        registry = new TopicRegistryStore(journal.context().dir());
    }

    private void declare(final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        final int index = publishRing.tryClaim(
            PublishRingDescriptor.DECLARE_TOPIC_MSG_TYPE_ID, PublishRingDescriptor.TOPIC_NAME_OFFSET + bytes.length);
        assertTrue(index > 0);
        publishRing.buffer().putLong(index + PublishRingDescriptor.CORRELATION_ID_OFFSET, 0);
        publishRing.buffer().putBytes(index + PublishRingDescriptor.TOPIC_NAME_OFFSET, bytes);
        publishRing.commit(index);
    }

    private long publish(final int topic, final long correlationId)
    {
        final byte[] payload = ("{\"n\":" + correlationId + "}").getBytes(StandardCharsets.US_ASCII);
        final int index = publishRing.tryClaim(
            PublishRingDescriptor.PUBLISH_MSG_TYPE_ID, PublishRingDescriptor.PAYLOAD_OFFSET + payload.length);
        assertTrue(index > 0);
        final UnsafeBuffer buffer = (UnsafeBuffer)publishRing.buffer();
        buffer.putLong(index + PublishRingDescriptor.CORRELATION_ID_OFFSET, correlationId);
        buffer.putLong(index + PublishRingDescriptor.TIMESTAMP_OFFSET, 1_000L);
        buffer.putInt(index + PublishRingDescriptor.TOPIC_OFFSET, topic);
        buffer.putByte(index + PublishRingDescriptor.PAYLOAD_TYPE_OFFSET, (byte)PayloadType.JSON.value());
        buffer.putBytes(index + PublishRingDescriptor.PAYLOAD_OFFSET, payload);
        publishRing.commit(index);
        return correlationId;
    }

    /**
     * One duty cycle of each: sequencer, media driver, Aeron client conductor, then read the event stream; until the
     * condition holds, within a bounded number of steps.
     */
    private void step(final Sequencer sequencer, final BooleanSupplier until)
    {
        final AgentInvoker driverInvoker = driver.sharedAgentInvoker();
        final AgentInvoker clientInvoker = aeron.conductorAgentInvoker();
        for (int i = 0; i < MAX_STEPS; i++)
        {
            sequencer.doWork();
            driverInvoker.invoke();
            clientInvoker.invoke();
            events.poll(eventCollector, 64);
            if (until.getAsBoolean())
            {
                return;
            }
        }
        fail("not reached in " + MAX_STEPS + " duty cycles: " + received.size() + " events, topics " + topics);
    }

    private AtomicCounter counter()
    {
        return countersManager.newCounter("sequencer");
    }
}
