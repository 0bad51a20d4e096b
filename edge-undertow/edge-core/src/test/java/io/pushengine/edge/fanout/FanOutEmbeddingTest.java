package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.ResumedDecoder;
import io.pushengine.codec.sbe.SubscribedDecoder;
import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlusher;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.pushengine.edge.session.SbeSession;
import io.pushengine.edge.session.SessionExecutor;
import io.pushengine.engine.PushEngine;
import org.agrona.CloseHelper;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's "fan-out with your own transport": a real engine (media driver, Chronicle journal in a temp dir) and
 * the fan-out core with no HTTP server at all, feeding an embedder's transport (here a queue on a thread of its own,
 * where a real one would write a socket). What an embedder relies on: every event once and in order, resume from a
 * cursor with exactly what was missed, and a close with a code and reason when the fan-out ends a connection.
 */
class FanOutEmbeddingTest
{
    private static final String TOPIC = "px.embedded";
    private static final long AWAIT_MS = 20_000;

    @TempDir
    File journalDir;

    private PushEngine engine;
    private FanOut fanOut;
    private ScheduledExecutorService ioThread;

    @AfterEach
    void close()
    {
        CloseHelper.quietCloseAll(fanOut, engine);
        if (null != ioThread)
        {
            ioThread.shutdownNow();
        }
    }

    @Test
    void embeddersTransportGetsEveryEventInOrderResumesFromACursorAndIsClosedWithAReason()
    {
        engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir));
        fanOut = FanOut.launch(new FanOut.Context()
            .aeronDirectoryName(engine.aeronDirectoryName())
            .eventsChannel(engine.context().eventsChannel())
            .ingressChannel(engine.context().ingressChannel()));
        await(fanOut::isReady, () -> "fan-out not attached to the engine");
        ioThread = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "embedder-io"));
        final IoThreadFlusher flusher = fanOut.flusherFor(new ScheduledExecutorSessionExecutor(ioThread));

        engine.topic(TOPIC);
        await(() -> fanOut.agent().declaredTopics().stream().anyMatch(topic -> TOPIC.equals(topic.name())),
            () -> "the fan-out did not learn " + TOPIC);
        final QueueSession live = open(1, flusher, ConnectionOptions.NO_RESUME);
        await(() -> live.subscribedTopics.size() == 1, () -> "no Subscribed for " + TOPIC);

        final int count = 300;
        final long[] published = new long[count];
        for (int i = 0; i < count; i++)
        {
            published[i] = engine.publish(
                TOPIC, PayloadType.JSON, ("{\"i\":" + i + "}").getBytes(StandardCharsets.US_ASCII));
            assertTrue(published[i] > 0, "publish " + i + " failed: " + published[i]);
        }
        await(() -> live.sequences.size() >= count, () -> "live session has " + live.sequences.size() + " events");
        assertEquals(toList(published, 0), live.sequences, "every event once, in order");
        for (int i = 0; i < count; i++)
        {
            assertEquals(i + 1, live.topicSequences.get(i), "topic sequence of event " + i);
        }

        final long cursor = published[count / 2 - 1];
        final QueueSession resumed = open(2, flusher, cursor);
        await(() -> resumed.resumedComplete.size() == 1, () -> "no Resumed for the resume from " + cursor);
        assertEquals(toList(published, count / 2), resumed.sequences, "exactly what followed the cursor");
        assertTrue(resumed.resumedComplete.get(0), "the resume was complete (nothing aged out)");

        fanOut.agent().drain(0, 0);
        await(() -> live.closeCode != 0 && resumed.closeCode != 0, () -> "drain did not close the sessions");
        assertEquals(CloseCodes.GOING_AWAY, live.closeCode);
        assertTrue(live.closeReason.startsWith("edge draining"), live.closeReason);
    }

    private QueueSession open(final long sessionId, final IoThreadFlusher flusher, final long resumeFrom)
    {
        final ConnectionOptions options = new ConnectionOptions(List.of(TOPIC), 0, null, 0, resumeFrom, false);
        final QueueSession session = new QueueSession(sessionId, flusher, fanOut, options);
        SessionCommand.offer(fanOut.commandQueue(), SessionCommand.register(session));
        SessionCommand.offerInitialSubscriptions(fanOut.commandQueue(), session, options);
        return session;
    }

    private static List<Long> toList(final long[] values, final int from)
    {
        final List<Long> list = new ArrayList<>();
        for (int i = from; i < values.length; i++)
        {
            list.add(values[i]);
        }
        return list;
    }

    private static void await(final BooleanSupplier condition, final Supplier<String> message)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AWAIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(message.get());
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * An embedder's IO thread: a scheduled executor.
     */
    private record ScheduledExecutorSessionExecutor(ScheduledExecutorService executor) implements SessionExecutor
    {
        public void execute(final Runnable task)
        {
            executor.execute(task);
        }

        public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
        {
            executor.schedule(task, delay, unit);
        }
    }

    /**
     * An embedder's connection: the fan-out queues SBE messages ({@link SbeSession}); its IO side takes them off
     * the ring and, instead of writing a socket, keeps what a client would decode.
     */
    private static final class QueueSession extends SbeSession implements ControlledMessageHandler
    {
        private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
        private final EventDecoder eventDecoder = new EventDecoder();
        private final SubscribedDecoder subscribedDecoder = new SubscribedDecoder();
        private final ResumedDecoder resumedDecoder = new ResumedDecoder();
        final List<Long> sequences = new CopyOnWriteArrayList<>();
        final List<Long> topicSequences = new CopyOnWriteArrayList<>();
        final List<String> subscribedTopics = new CopyOnWriteArrayList<>();
        final List<Boolean> resumedComplete = new CopyOnWriteArrayList<>();
        private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;
        volatile int closeCode;
        volatile String closeReason;

        QueueSession(
            final long sessionId,
            final IoThreadFlusher flusher,
            final FanOut fanOut,
            final ConnectionOptions options)
        {
            super(sessionId, "embedded", "in-process", flusher, fanOut.context().initialRingCapacity(),
                fanOut.context().ringCapacity(), fanOut.counters().ringBytes(), options);
            this.commands = fanOut.commandQueue();
        }

        protected void drain()
        {
            readQueued(this);
        }

        public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId) // an Event body, no header
            {
                eventDecoder.wrap(buffer, index, EventDecoder.BLOCK_LENGTH, EventDecoder.SCHEMA_VERSION);
                sequences.add(eventDecoder.globalSequence());
                topicSequences.add(eventDecoder.topicSequence());
                return Action.CONTINUE;
            }
            headerDecoder.wrap(buffer, index);
            final int bodyOffset = index + MessageHeaderDecoder.ENCODED_LENGTH;
            if (SubscribedDecoder.TEMPLATE_ID == headerDecoder.templateId())
            {
                subscribedDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                subscribedTopics.add(subscribedDecoder.topicName());
            }
            else if (ResumedDecoder.TEMPLATE_ID == headerDecoder.templateId())
            {
                resumedDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                resumedComplete.add(1 == resumedDecoder.complete());
            }
            return Action.CONTINUE;
        }

        protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
        {
        }

        /**
         * Close the connection (here: nothing to close) and tell the fan-out it is gone, as every transport must.
         */
        protected void closeOnIoThread(final int code, final String reason)
        {
            closed = true;
            closeReason = reason;
            closeCode = code;
            SessionCommand.offer(commands, SessionCommand.remove(this));
        }
    }
}
