package io.pushengine.bench;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.fanout.FanOutAgent;
import io.pushengine.edge.fanout.FanOutCounters;
import io.pushengine.edge.fanout.SessionCommand;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.DeliveryLatencies;
import io.pushengine.edge.session.OutboundRingDescriptor;
import io.pushengine.edge.session.PollingSession;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.ConcurrentCountersManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The edge's fan-out to long-polls: {@link #polls} long-polls wait on one topic; one event answers every one of them
 * (its JSON rendered once into the edge's text log, each answer fixed with its place there, the poll forgotten, the
 * event read from the log as its IO thread renders the answer; until the twelfth session, a copy of the JSON into
 * each poll's ring), and each client polls again at once (a new poll registered, subscribed and armed by one
 * command, as {@code PollEndpoint} sends it per request). So an op is one wave of a polling population; divide ns/op by
 * {@link #polls} for the cost of one long-poll delivery with its re-poll. A poll's objects (the session, its
 * commands) are made per request, as a real one's are: B/op ÷ polls is that per-request garbage, not a per-message
 * cost. Rings come from a pool without a bound (the edge's {@code PollRingPool} keeps 4 MiB of first rings), so this
 * measures the fan-out's work, not direct-memory allocation.
 * <p>
 * {@link #answerPollsThatComeBackAfterTheirEvent}: the other half of a polling population, each client's next poll
 * arriving after the event it waits for (so resumed from the edge's recent window and answered at once).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_OPENS_REFLECT, BenchFlags.NO_ANALYTICS })
public class PollFanOutBenchmark
{
    private static final int INITIAL_RING_CAPACITY = 4096; // the edge's defaults
    private static final int RING_CAPACITY = 64 * 1024;
    private static final String TOPIC = "prices.EURUSD";

    @Param({ "1000", "10000" })
    int polls;

    private final UnsafeBuffer eventBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final EventEncoder sequenceWriter = new EventEncoder();
    private final ArrayDeque<OneToOneRingBuffer> ringPool = new ArrayDeque<>();
    private final ConnectionOptions options =
        new ConnectionOptions(List.of(TOPIC), 0, null, 0, ConnectionOptions.NO_RESUME, false);
    private FanOutAgent agent;
    private AtomicCounter ringBytes;
    private int eventLength;
    private long sequence;
    private long sessionId;
    private int answered;
    int eventsFromLog; // read from the edge's text log, not from a ring: what the smoke test checks

    /**
     * A long-poll without an HTTP exchange: its answer is read from its ring as soon as the fan-out completes it.
     */
    final class BenchPoll extends PollingSession implements ControlledMessageHandler
    {
        private final UnsafeBuffer answer = ANSWER;
        private boolean done;

        BenchPoll(final long id, final ConnectionOptions options)
        {
            super(id, "bench-poll", "bench", null, INITIAL_RING_CAPACITY, RING_CAPACITY, ringBytes, options);
        }

        protected OneToOneRingBuffer newRing(final int capacity)
        {
            final OneToOneRingBuffer ring = ringPool.pollFirst();
            return null != ring ? ring : new OneToOneRingBuffer(
                new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        }

        protected void freeRing(final OneToOneRingBuffer ring)
        {
            // pooled: given back once read
        }

        public void requestFlush()
        {
            drain();
        }

        protected void drain()
        {
            if (!isCompleted() || done)
            {
                return;
            }
            done = true;
            OneToOneRingBuffer ring;
            while (null != (ring = takeAnswerRing()))
            {
                ring.controlledRead(this);
                ringPool.addLast(ring);
            }
            if (!readAnswerLog())
            {
                throw new IllegalStateException("lapped: the answer's live events were overwritten in the log");
            }
            answered++;
        }

        public ControlledMessageHandler.Action onMessage(
            final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (OutboundRingDescriptor.EVENT_MSG_TYPE_ID == msgTypeId)
            {
                answer.putBytes(0, buffer, index, Math.min(length, answer.capacity())); // as the answer is built
            }
            return ControlledMessageHandler.Action.CONTINUE;
        }

        protected void onAnswerLogEvent(
            final DirectBuffer buffer, final int offset, final int length, final long timestampNs)
        {
            answer.putBytes(0, buffer, offset, Math.min(length, answer.capacity())); // as the answer is built
            eventsFromLog++;
        }

        protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
        {
        }

        protected void closeOnIoThread(final int code, final String reason)
        {
        }
    }

    /**
     * Stands for an SSE connection on the topic: a reader of the edge's text log, so each event is rendered there
     * while no poll waits (as with any population of pollers, some of which are always waiting). Reads nothing.
     */
    static final class TextLogReader extends ClientSession
    {
        TextLogReader(final AtomicCounter ringBytes, final ConnectionOptions options)
        {
            super(0, "bench-sse", "bench", null, INITIAL_RING_CAPACITY, RING_CAPACITY, ringBytes, options);
        }

        public boolean readsTextLog()
        {
            return true;
        }

        public boolean offerEvent(final EncodedEvent event)
        {
            return true;
        }

        public boolean offerSubscribed(
            final long correlationId, final int topic, final long topicSequence, final String topicName)
        {
            return true;
        }

        public boolean offerGap(final int topic, final String topicName, final long fromSequence,
            final long toSequence, final long fromTopicSequence, final long toTopicSequence)
        {
            return true;
        }

        public boolean offerResumed(
            final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
        {
            return true;
        }

        public boolean offerSnapshotBegin(final long correlationId)
        {
            return true;
        }

        public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
        {
            return true;
        }

        public void requestFlush()
        {
        }

        protected void drain()
        {
        }

        protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
        {
        }

        protected void closeOnIoThread(final int code, final String reason)
        {
        }
    }

    private static final UnsafeBuffer ANSWER = new UnsafeBuffer(new byte[512]);

    /**
     * For {@link #answerPollsThatComeBackAfterTheirEvent}: a text-log reader on the topic and the engine's catalog
     * answered (resumes wait for it); for {@link #answerOneWaveAndPollAgain}: the first wave of waiting polls.
     */
    @Setup
    public void setup(final BenchmarkParams params)
    {
        setup(params.getBenchmark().endsWith("answerPollsThatComeBackAfterTheirEvent"));
    }

    void setup(final boolean pollsComeBackLate)
    {
        final ConcurrentCountersManager countersManager = new ConcurrentCountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)),
            StandardCharsets.US_ASCII, new CachedEpochClock(), 0);
        final FanOutCounters counters = FanOutCounters.allocate(typeId -> countersManager.newCounter("bench", typeId));
        ringBytes = counters.ringBytes();
        agent = new FanOutAgent(null, null, null, counters,
            BackpressureRules.parse("prices.*=disconnect", DeliveryPolicy.DISCONNECT),
            System::nanoTime, new SystemEpochNanoClock(),
            new FanOutAgent.Timeouts(TimeUnit.SECONDS.toNanos(15), 0, TimeUnit.SECONDS.toNanos(10),
                TimeUnit.SECONDS.toNanos(5), 0, 0),
            4096,
            null,
            null,
            1024 * 1024,
            1024,
            DeliveryLatencies.unregistered().newPublishToFanOut());
        agent.onTopicDeclared(1, TOPIC);
        eventLength = BenchEvents.encodePriceTickEvent(eventBuffer, 1);
        sequenceWriter.wrap(eventBuffer, MessageHeaderEncoder.ENCODED_LENGTH);
        if (pollsComeBackLate)
        {
            final TextLogReader reader = new TextLogReader(ringBytes, options);
            offer(SessionCommand.register(reader));
            offer(SessionCommand.subscribe(reader, TOPIC, 0));
            agent.processCommands();
            agent.onCatalogComplete(agent.catalogCorrelationId(), 0);
        }
        else
        {
            pollAgain();
        }
    }

    /**
     * Every client's next long-poll: registered, subscribed and armed, through the fan-out's command queue.
     */
    private void pollAgain()
    {
        for (int i = 0; i < polls; i++)
        {
            offer(SessionCommand.openPoll(new BenchPoll(++sessionId, options), false)); // as PollEndpoint does
        }
        while (agent.processCommands() > 0)
        {
            // the rest
        }
        agent.flushDirty(); // as the duty cycle that took them: each armed poll is looked at, none has an answer yet
    }

    private void offer(final SessionCommand command)
    {
        while (!agent.commandQueue().offer(command))
        {
            agent.processCommands();
        }
    }

    private long publish()
    {
        final long next = ++sequence;
        sequenceWriter.globalSequence(next).topicSequence(next);
        eventDecoder.wrapAndApplyHeader(eventBuffer, 0, headerDecoder);
        agent.onEvent(eventDecoder, eventBuffer, 0, eventLength);
        return next;
    }

    @Benchmark
    public int answerOneWaveAndPollAgain()
    {
        answered = 0;
        publish();
        agent.flushDirty(); // answers the polls given the event: fixed, forgotten, read
        if (answered != polls)
        {
            throw new IllegalStateException("answered " + answered + " of " + polls);
        }
        pollAgain();
        return answered;
    }

    /**
     * One event, then {@link #polls} clients each poll again with the cursor before it ({@code after=}): as a
     * population polling faster than one event per round trip does, each poll arrives after the event it waits for,
     * so it is resumed from the edge's recent window and answered at once (registered, subscribed, resumed, answered
     * in one duty cycle, its answer read). Until the twelfth session each such poll rendered the event's JSON and
     * copied it into its ring; since, it finds it in the text log.
     */
    @Benchmark
    public int answerPollsThatComeBackAfterTheirEvent()
    {
        answered = 0;
        final long event = publish();
        agent.flushDirty();
        final ConnectionOptions resumeOptions =
            new ConnectionOptions(List.of(TOPIC), 0, null, 0, event - 1, false); // one per wave: all share it
        for (int i = 0; i < polls; i++)
        {
            offer(SessionCommand.openPoll(new BenchPoll(++sessionId, resumeOptions), false));
        }
        while (agent.processCommands() > 0)
        {
            // the rest
        }
        agent.resumeSessions();
        agent.flushDirty(); // answers them: fixed, forgotten, read
        if (answered != polls)
        {
            throw new IllegalStateException("answered " + answered + " of " + polls + " late polls");
        }
        return answered;
    }
}
