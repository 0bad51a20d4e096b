package io.pushengine.bench;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.fanout.FanOutAgent;
import io.pushengine.edge.fanout.FanOutCounters;
import io.pushengine.edge.fanout.SessionCommand;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.DeliveryLatencies;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.OutboundRingDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
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

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The edge's fan-out of one event to every subscriber of its topic: for each subscription the policy check, a copy
 * of the SBE event body into the connection's outbound ring, and the flush signal; here the "IO thread" read of the
 * ring happens inline in the signal (no socket), so the figure is fan-out plus ring read per subscriber.
 * Policy DISCONNECT (the default), CONFLATE or DROP ({@link #policy}).
 * Divide ns/op by {@code subscribers} for the cost of one delivery. Run with {@code -prof gc}: 0 B/op expected.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_OPENS_REFLECT, BenchFlags.NO_ANALYTICS })
public class FanOutBenchmark
{
    @Param({ "1000", "10000" })
    int subscribers;

    /**
     * Bytes of each connection's ring: 4 KiB is the edge's first ring, 64 KiB its default full ring. The write
     * position cycles through the whole ring, so the rings' cache footprint is this times {@link #subscribers}.
     */
    @Param({ "4096", "65536" })
    int ringCapacity;

    /**
     * {@code ring}: the fan-out copies each event into every connection's ring (as it does for polls, and did for
     * throttled connections until the fifteenth session). {@code shared-log}: WebSocket connections read each event
     * from the edge's one copy; the fan-out only signals them (a throttled one: releases the event it is due), and
     * each "IO thread" read here copies the event out of the log as a real one copies it into a frame.
     */
    @Param({ "ring", "shared-log" })
    String delivery;

    /**
     * Every subscription's delivery policy: {@code disconnect} (the edge's default) or {@code conflate} (latest
     * value when the connection lags; a trading feed's usual choice); also {@code drop} ({@code -p policy=drop}).
     * With room each of them delivers every event. {@code throttle} ({@code -p policy=throttle}): every
     * subscription at {@link #THROTTLE_RATE} events/s while events come one per simulated millisecond, so each
     * connection is given one event in ten (its latest value when due: copied into its ring under {@code ring},
     * released to it in the shared log under {@code shared-log}) and holds the other nine back; each op also runs
     * the policies' re-send pass, as a duty cycle does.
     */
    @Param({ "disconnect", "conflate" })
    String policy;

    static final int THROTTLE_RATE = 100;
    private static final long SIMULATED_EVENT_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final UnsafeBuffer eventBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final EventEncoder sequenceWriter = new EventEncoder();
    private FanOutAgent agent;
    private int eventLength;
    private long sequence;
    private boolean throttle;
    private long simulatedNs;

    /**
     * A connection without a socket: its ring is read as soon as the fan-out signals it.
     */
    static final class RingOnlySession extends ClientSession
        implements ControlledMessageHandler, ClientSession.SharedLogEventHandler
    {
        private final boolean sharedLog;
        /**
         * Where the "IO thread" copies each event: one buffer for all connections, as a real IO thread builds every
         * connection's frames in its one scratch buffer ({@code IoThreadFlusher.scratch()}).
         */
        private static final UnsafeBuffer FRAME = new UnsafeBuffer(new byte[512]);

        RingOnlySession(
            final long id,
            final AtomicCounter ringBytes,
            final ConnectionOptions options,
            final int ringCapacity,
            final boolean sharedLog)
        {
            super(id, "bench", "bench", null, ringCapacity, ringCapacity, ringBytes, options);
            this.sharedLog = sharedLog;
        }

        protected boolean canReadSharedLog()
        {
            return sharedLog;
        }

        public boolean reportsGapsInSharedLog()
        {
            return sharedLog; // as WebSocket: DROP subscriptions read the log too
        }

        public boolean offerEvent(final EncodedEvent event)
        {
            return write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, event.body(), 0, event.body().capacity());
        }

        public boolean offerSubscribed(final long correlationId, final int topic, final long topicSequence,
            final String topicName)
        {
            return true; // nothing to send: the benchmark measures events
        }

        public boolean offerGap(final int topic, final String topicName, final long fromSequence,
            final long toSequence, final long fromTopicSequence, final long toTopicSequence)
        {
            return true;
        }

        public boolean offerResumed(final long fromSequence, final long toSequence, final boolean complete,
            final long oldestRetained)
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
            drain();
        }

        protected void drain()
        {
            // as a WebSocket connection does: the ring only outside a segment (or for its end), the log by cursor
            if (!isInSharedLogSegment())
            {
                final OneToOneRingBuffer ring = ringForRead();
                if (null != ring)
                {
                    ring.controlledRead(this);
                }
            }
            if (isInSharedLogSegment())
            {
                readSharedLog(this, this);
            }
        }

        public ControlledMessageHandler.Action onMessage(
            final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (isInSharedLogSegment())
            {
                endSharedLogSegment(msgTypeId, buffer, index);
                return ControlledMessageHandler.Action.BREAK;
            }
            if (OutboundRingDescriptor.SHARED_LOG_FROM_MSG_TYPE_ID == msgTypeId)
            {
                startSharedLogSegment(buffer, index);
                return ControlledMessageHandler.Action.BREAK;
            }
            return ControlledMessageHandler.Action.CONTINUE; // an event copied into the ring: taken, as a frame would
        }

        public boolean onSharedLogEvent(final long sequence, final DirectBuffer buffer, final int offset, final int length)
        {
            FRAME.putBytes(0, buffer, offset, length);
            return true;
        }

        protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
        {
        }

        protected void closeOnIoThread(final int code, final String reason)
        {
        }
    }

    @Setup
    public void setup()
    {
        final ConcurrentCountersManager countersManager = new ConcurrentCountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)),
            java.nio.charset.StandardCharsets.US_ASCII, new CachedEpochClock(), 0);
        final FanOutCounters counters = FanOutCounters.allocate(typeId -> countersManager.newCounter("bench", typeId));
        throttle = "throttle".equals(policy);
        final String rule = null == policy ? "disconnect" : throttle ? "throttle:" + THROTTLE_RATE : policy;
        agent = new FanOutAgent(null, null, null, counters,
            BackpressureRules.parse("prices.*=" + rule, DeliveryPolicy.DISCONNECT),
            () -> simulatedNs, new SystemEpochNanoClock(),
            new FanOutAgent.Timeouts(TimeUnit.SECONDS.toNanos(15), 0, TimeUnit.SECONDS.toNanos(10),
                TimeUnit.SECONDS.toNanos(5), 0, 0),
            subscribers * 2 + 16,
            null,
            null,
            1024 * 1024,
            1024,
            DeliveryLatencies.unregistered().newPublishToFanOut());

        agent.onTopicDeclared(1, "prices.EURUSD");
        final ConnectionOptions options = new ConnectionOptions(List.of(), 0, null, 0, ConnectionOptions.NO_RESUME, false);
        for (int i = 0; i < subscribers; i++)
        {
            final RingOnlySession session = new RingOnlySession(
                i, counters.ringBytes(), options, ringCapacity, "shared-log".equals(delivery));
            SessionCommand.offer(agent.commandQueue(), SessionCommand.register(session));
            SessionCommand.offer(agent.commandQueue(), SessionCommand.subscribe(session, "prices.EURUSD", 0));
        }
        while (agent.processCommands() > 0)
        {
            // apply registrations and subscriptions
        }
        agent.flushDirty();
        eventLength = BenchEvents.encodePriceTickEvent(eventBuffer, 1);
        sequenceWriter.wrap(eventBuffer, MessageHeaderEncoder.ENCODED_LENGTH);
    }

    @Benchmark
    public int fanOutOneEvent()
    {
        final long next = ++sequence;
        sequenceWriter.globalSequence(next).topicSequence(next);
        eventDecoder.wrapAndApplyHeader(eventBuffer, 0, headerDecoder);
        int work = 0;
        if (throttle)
        {
            simulatedNs += SIMULATED_EVENT_INTERVAL_NS;
            work += agent.sendHeldBack();
        }
        agent.onEvent(eventDecoder, eventBuffer, 0, eventLength);
        return work + agent.flushDirty();
    }
}
