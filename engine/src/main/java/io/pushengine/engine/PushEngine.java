package io.pushengine.engine;

import io.pushengine.codec.StreamContext;
import io.pushengine.client.PublishResult;
import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.pushengine.codec.AgentThreadingMode;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.CallerRunsDutyCycle;
import io.pushengine.codec.IdleStrategies;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.metrics.HistogramType;
import io.pushengine.codec.metrics.LatencyHistogram;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.replay.ReplayService;
import io.pushengine.engine.sequencer.AckTable;
import io.pushengine.engine.sequencer.IngressAuthenticator;
import io.pushengine.engine.sequencer.PublishRingDescriptor;
import io.pushengine.engine.sequencer.Sequencer;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalConfiguration;
import io.pushengine.journal.JournalRetention;
import io.pushengine.journal.TopicRegistryStore;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The embeddable engine: an Aeron media driver (embedded by default), the journal, and the single-writer
 * {@link Sequencer} on its own thread. Publish from any thread; subscribe in-process with {@link #subscribe}, or run
 * edges against the same Aeron directory and channels.
 * <pre>{@code
 * try (PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(new File("data/journal"))))
 * {
 *     Topic eurusd = engine.topic("prices.EURUSD");
 *     long sequence = engine.publish(eurusd, PayloadType.JSON, buffer, 0, length); // waits until journaled
 * }
 * }</pre>
 * Thread-safe: {@link #offer}, {@link #publish} and {@link #topic} may be called from any number of threads.
 */
public final class PushEngine implements AutoCloseable
{
    /**
     * Configuration of an engine. Defaults come from {@link EngineConfiguration}; {@link #conclude()} fills and
     * validates them once. Single use: the engine owns its context.
     */
    public static final class Context extends StreamContext<Context>
    {
        protected Context self()
        {
            return this;
        }

        private boolean embeddedMediaDriver = EngineConfiguration.embeddedDriver();
        private byte[] ingressJwtSecret;
        private int termBufferLength = EngineConfiguration.termBufferLength();
        private int publishRingCapacity = EngineConfiguration.publishRingCapacity();
        private int maxPayloadLength = StreamConfiguration.maxPayloadLength();
        private long publishTimeoutNs = TimeUnit.MILLISECONDS.toNanos(StreamConfiguration.publishTimeoutMs());
        private File journalDir = new File(JournalConfiguration.dir());
        private String journalRollCycle = JournalConfiguration.rollCycle();
        private long journalRetentionMs = JournalConfiguration.retentionMs();
        private long journalRetentionBytes = JournalConfiguration.retentionBytes();
        private Supplier<IdleStrategy> idleStrategySupplier = IdleStrategies.fromSystemProperties();
        private AgentThreadingMode threadingMode = AgentThreadingMode.fromSystemProperties();
        private IdleStrategy mediaDriverIdleStrategy;
        private ErrorHandler errorHandler = Throwable::printStackTrace;
        private EpochNanoClock epochNanoClock = new OffsetEpochNanoClock(); // nanoTime + an offset: no Instant per call
        private boolean concluded;

        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded: a context is single use");
            }
            concluded = true;
            if (null == aeronDirectoryName())
            {
                aeronDirectoryName(embeddedMediaDriver ?
                    CommonContext.getAeronDirectoryName() + "-push-" + UUID.randomUUID() :
                    CommonContext.getAeronDirectoryName());
            }
            ingressJwtSecret = null != ingressJwtSecret ? ingressJwtSecret : EngineConfiguration.ingressJwtSecret();
            if (null != ingressJwtSecret && ingressJwtSecret.length < 32)
            {
                throw new IllegalArgumentException(EngineConfiguration.INGRESS_JWT_SECRET_PROP_NAME +
                    " must be at least 32 bytes (HS256): it is " + ingressJwtSecret.length);
            }
            if (Integer.bitCount(publishRingCapacity) != 1)
            {
                throw new IllegalArgumentException(EngineConfiguration.PUBLISH_RING_CAPACITY_PROP_NAME +
                    " must be a power of two: " + publishRingCapacity);
            }
            if (maxPayloadLength <= 0 || maxPayloadLength > publishRingCapacity / 8 - 64)
            {
                throw new IllegalArgumentException(StreamConfiguration.MAX_PAYLOAD_LENGTH_PROP_NAME +
                    " must be in 1.." + (publishRingCapacity / 8 - 64) + ": " + maxPayloadLength);
            }
            return this;
        }

        public Context embeddedMediaDriver(final boolean embeddedMediaDriver)
        {
            this.embeddedMediaDriver = embeddedMediaDriver;
            return this;
        }

        public boolean embeddedMediaDriver()
        {
            return embeddedMediaDriver;
        }

        /**
         * HS256 key: publishes over the Aeron ingress then need a token ({@code IngressAuthenticate}) whose
         * {@code pub_topics} grant the topic; null leaves the ingress open (a private network's trust).
         */
        public Context ingressJwtSecret(final byte[] ingressJwtSecret)
        {
            this.ingressJwtSecret = ingressJwtSecret;
            return this;
        }

        public Context termBufferLength(final int termBufferLength)
        {
            this.termBufferLength = termBufferLength;
            return this;
        }

        public Context publishRingCapacity(final int publishRingCapacity)
        {
            this.publishRingCapacity = publishRingCapacity;
            return this;
        }

        public Context maxPayloadLength(final int maxPayloadLength)
        {
            this.maxPayloadLength = maxPayloadLength;
            return this;
        }

        public int maxPayloadLength()
        {
            return maxPayloadLength;
        }

        public Context publishTimeoutNs(final long publishTimeoutNs)
        {
            this.publishTimeoutNs = publishTimeoutNs;
            return this;
        }

        public Context journalDir(final File journalDir)
        {
            this.journalDir = journalDir;
            return this;
        }

        public File journalDir()
        {
            return journalDir;
        }

        /**
         * Journal cycles last written longer ago than this are deleted; 0 keeps them for ever.
         */
        public Context journalRetentionMs(final long journalRetentionMs)
        {
            this.journalRetentionMs = journalRetentionMs;
            return this;
        }

        /**
         * Oldest journal cycles are deleted while the journal is larger than this; 0 for no size limit.
         */
        public Context journalRetentionBytes(final long journalRetentionBytes)
        {
            this.journalRetentionBytes = journalRetentionBytes;
            return this;
        }

        public Context journalRollCycle(final String journalRollCycle)
        {
            this.journalRollCycle = journalRollCycle;
            return this;
        }

        public Context idleStrategySupplier(final Supplier<IdleStrategy> idleStrategySupplier)
        {
            this.idleStrategySupplier = idleStrategySupplier;
            return this;
        }

        public Supplier<IdleStrategy> idleStrategySupplier()
        {
            return idleStrategySupplier;
        }

        /**
         * How the sequencer and the replay service run: a thread each, one thread for both, or driven by the
         * embedder through {@link PushEngine#agentInvoker()}. Default {@link AgentThreadingMode#PROP_NAME}.
         */
        public Context threadingMode(final AgentThreadingMode threadingMode)
        {
            this.threadingMode = threadingMode;
            return this;
        }

        public AgentThreadingMode threadingMode()
        {
            return threadingMode;
        }

        /**
         * The embedded media driver's idle strategy (its one shared thread); null (default) for Aeron's own
         * ({@code aeron.shared.idle.strategy}).
         */
        public Context mediaDriverIdleStrategy(final IdleStrategy mediaDriverIdleStrategy)
        {
            this.mediaDriverIdleStrategy = mediaDriverIdleStrategy;
            return this;
        }

        public IdleStrategy mediaDriverIdleStrategy()
        {
            return mediaDriverIdleStrategy;
        }

        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        public Context epochNanoClock(final EpochNanoClock epochNanoClock)
        {
            this.epochNanoClock = epochNanoClock;
            return this;
        }
    }

    private final Context ctx;
    private final Map<String, Topic> topicsByName = new ConcurrentHashMap<>();
    private final AtomicLong nextCorrelationId = new AtomicLong(1);
    private final ManyToOneRingBuffer publishRing;
    private final AgentWakeups.Wakeup publishRingWakeup = new AgentWakeups.Wakeup();
    private final AckTable ackTable = new AckTable(4096);
    private final MediaDriver mediaDriver;
    private final Aeron aeron;
    private final EventJournal journal;
    private final TopicRegistryStore topicRegistry;
    private final AgentRunner sequencerRunner;
    private CallerRunsDutyCycle sequencerCallerRuns;
    private final AgentRunner replayRunner;
    private final AgentInvoker agentInvoker;
    private final BooleanSupplier workDueSoon;
    private final AtomicCounter lastSequenceCounter;
    private final AtomicCounter errorCounter;
    private volatile boolean closed;

    private PushEngine(final Context ctx)
    {
        this.ctx = ctx;
        MediaDriver driver = null;
        Aeron aeronClient = null;
        EventJournal eventJournal = null;
        TopicRegistryStore registry = null;
        try
        {
            if (ctx.embeddedMediaDriver())
            {
                driver = MediaDriver.launch(MediaDriverIdle.quietWhenIdle(new MediaDriver.Context()
                    .aeronDirectoryName(ctx.aeronDirectoryName())
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true)
                    .threadingMode(ThreadingMode.SHARED)
                    .ipcTermBufferLength(ctx.termBufferLength)
                    .publicationTermBufferLength(ctx.termBufferLength)
                    .errorHandler(ctx.errorHandler()), ctx.mediaDriverIdleStrategy));
            }
            aeronClient = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName())
                .errorHandler(ctx.errorHandler())
                .clientName("push-engine"));

            eventJournal = new EventJournal(new EventJournal.Context()
                .dir(ctx.journalDir())
                .rollCycle(ctx.journalRollCycle));
            registry = new TopicRegistryStore(eventJournal.context().dir());

            this.mediaDriver = driver;
            this.aeron = aeronClient;
            this.journal = eventJournal;
            this.topicRegistry = registry;
            this.publishRing = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(ctx.publishRingCapacity + RingBufferDescriptor.TRAILER_LENGTH)));

            final Publication eventPublication = aeronClient.addExclusivePublication(
                ctx.eventsChannel(), ctx.eventsStreamId());
            final Subscription ingressSubscription = aeronClient.addSubscription(
                ctx.ingressChannel(), ctx.ingressStreamId());

            lastSequenceCounter = counter(CounterType.ENGINE_LAST_SEQUENCE);
            errorCounter = counter(CounterType.ENGINE_ERRORS);
            final Sequencer.Counters counters = new Sequencer.Counters(
                counter(CounterType.ENGINE_EVENTS_SEQUENCED),
                lastSequenceCounter,
                counter(CounterType.ENGINE_TOPICS),
                counter(CounterType.ENGINE_PUBLISH_REJECTED),
                counter(CounterType.ENGINE_AERON_BACK_PRESSURED),
                counter(CounterType.ENGINE_EVENTS_WITHOUT_SUBSCRIBER),
                counter(CounterType.ENGINE_INGRESS_REFUSED),
                LatencyHistogram.allocate(aeron::addCounter, HistogramType.ENGINE_PUBLISH_TO_JOURNAL, "engine", null));

            final Sequencer sequencer = new Sequencer(
                eventJournal,
                registry,
                publishRing,
                eventPublication,
                ingressSubscription,
                ackTable,
                (name, number) -> topicsByName.put(name, new Topic(name, number)),
                ctx.epochNanoClock,
                counters,
                ctx.maxPayloadLength(),
                256,
                new IngressAuthenticator(ctx.ingressJwtSecret),
                publishRingWakeup);

            final ReplayService replayService = new ReplayService(
                aeronClient.addSubscription(ctx.ingressChannel(), ProtocolDefaults.REPLAY_REQUEST_STREAM_ID),
                aeronClient.addExclusivePublication(ctx.eventsChannel(), ProtocolDefaults.REPLAY_STREAM_ID),
                eventJournal,
                counter(CounterType.ENGINE_REPLAYS_SERVED),
                counter(CounterType.ENGINE_EVENTS_REPLAYED),
                new JournalRetention(eventJournal, ctx.journalRetentionMs, ctx.journalRetentionBytes),
                counter(CounterType.ENGINE_JOURNAL_CYCLES_DELETED));
            workDueSoon = () -> sequencer.hasWorkDueSoon() || replayService.hasWorkDueSoon();
            switch (ctx.threadingMode)
            {
                case DEDICATED:
                    sequencerRunner = runner(callerRuns(sequencer, sequencer::hasWorkDueSoon), sequencer::hasWorkDueSoon);
                    replayRunner = runner(replayService, replayService::hasWorkDueSoon);
                    agentInvoker = null;
                    AgentRunner.startOnThread(sequencerRunner);
                    AgentRunner.startOnThread(replayRunner);
                    break;
                case SHARED:
                    sequencerRunner = runner(
                        callerRuns(new CompositeAgent(sequencer, replayService), workDueSoon), workDueSoon);
                    replayRunner = null;
                    agentInvoker = null;
                    AgentRunner.startOnThread(sequencerRunner);
                    break;
                default:
                    sequencerRunner = null;
                    replayRunner = null;
                    agentInvoker = new AgentInvoker(
                        ctx.errorHandler(), errorCounter, new CompositeAgent(sequencer, replayService));
                    break;
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(registry, eventJournal, aeronClient, driver);
            throw ex;
        }
    }

    /**
     * Start an engine: media driver (if embedded), journal recovery, sequencer thread.
     */
    /**
     * The sequencer's duty cycle, which an edge's IO thread in this process that publishes over the ingress runs
     * itself instead of waking the sequencer's thread ({@link CallerRunsDutyCycle}; unless
     * {@value CallerRunsDutyCycle#ENABLED_PROP_NAME} is false).
     */
    private Agent callerRuns(final Agent sequencerAgent, final BooleanSupplier hasWorkDueSoon)
    {
        if (!CallerRunsDutyCycle.enabledBySystemProperty())
        {
            return sequencerAgent;
        }
        final CallerRunsDutyCycle dutyCycle = new CallerRunsDutyCycle(
            sequencerAgent, ctx.errorHandler(), errorCounter, hasWorkDueSoon);
        AgentWakeups.forStream(ctx.ingressChannel(), ctx.ingressStreamId()).coveredBy(dutyCycle);
        sequencerCallerRuns = dutyCycle;
        return dutyCycle;
    }

    private AgentRunner runner(final Agent agent, final BooleanSupplier hasWorkDueSoon)
    {
        return new AgentRunner(IdleStrategies.dueWorkAware(ctx.idleStrategySupplier().get(), hasWorkDueSoon),
            ctx.errorHandler(), errorCounter, agent);
    }

    /**
     * The sequencer and the replay service, to drive when the engine runs in {@link AgentThreadingMode#INVOKER}
     * mode (else null): call {@link AgentInvoker#start()} on the thread that will {@link AgentInvoker#invoke()} it
     * (the agents register that thread to be woken and open their journal readers on it), then invoke it in the
     * embedder's duty cycle. {@link #close()} closes it.
     */
    public AgentInvoker agentInvoker()
    {
        return agentInvoker;
    }

    /**
     * For an embedder driving {@link #agentInvoker()}: true while the agents have work that falls due by time
     * rather than by a wake-up (park short then). Invoking thread.
     */
    public boolean hasWorkDueSoon()
    {
        return workDueSoon.getAsBoolean();
    }

    public static PushEngine launch(final Context ctx)
    {
        return new PushEngine(ctx.conclude());
    }

    public Context context()
    {
        return ctx;
    }

    public String aeronDirectoryName()
    {
        return ctx.aeronDirectoryName();
    }

    /**
     * The Aeron client of the engine, for counters and diagnostics. Do not close it.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @return highest global sequence journaled so far.
     */
    public long lastGlobalSequence()
    {
        return lastSequenceCounter.get();
    }

    /**
     * Topics declared so far, by name.
     */
    public Map<String, Topic> topics()
    {
        return Collections.unmodifiableMap(topicsByName);
    }

    /**
     * The handle of a topic, declaring it if new (durably, with a number that survives restarts). Waits for the
     * sequencer on first use of a name; afterwards a map lookup.
     *
     * @throws IllegalArgumentException for an invalid name.
     * @throws IllegalStateException    if the engine is closed or the sequencer does not answer in time.
     */
    public Topic topic(final String name)
    {
        final Topic existing = topicsByName.get(name);
        if (null != existing)
        {
            return existing;
        }
        final String invalid = TopicNames.validate(name);
        if (null != invalid)
        {
            throw new IllegalArgumentException(invalid);
        }

        final byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        final long deadlineNs = System.nanoTime() + ctx.publishTimeoutNs;
        boolean requested = false;
        while (true)
        {
            ensureOpen();
            final Topic topic = topicsByName.get(name);
            if (null != topic)
            {
                return topic;
            }
            if (!requested)
            {
                final int length = PublishRingDescriptor.TOPIC_NAME_OFFSET + nameBytes.length;
                final int index = publishRing.tryClaim(PublishRingDescriptor.DECLARE_TOPIC_MSG_TYPE_ID, length);
                if (index > 0)
                {
                    publishRing.buffer().putLong(index + PublishRingDescriptor.CORRELATION_ID_OFFSET, 0);
                    publishRing.buffer().putBytes(
                        index + PublishRingDescriptor.TOPIC_NAME_OFFSET, nameBytes, 0, nameBytes.length);
                    publishRing.commit(index);
                    publishRingWakeup.wake();
                    requested = true;
                }
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("sequencer did not declare topic '" + name + "' in time");
            }
            Thread.yield();
        }
    }

    /**
     * Hand an event to the sequencer without waiting. Allocation free.
     *
     * @return a positive correlation id when accepted, else a negative {@link PublishResult}.
     */
    public long offer(
        final Topic topic, final PayloadType payloadType, final DirectBuffer payload, final int offset, final int length)
    {
        return offer(topic, payloadType, payload, offset, length, ctx.epochNanoClock.nanoTime());
    }

    /**
     * As {@link #offer(Topic, PayloadType, DirectBuffer, int, int)} with the publisher's own timestamp (epoch ns).
     */
    public long offer(
        final Topic topic,
        final PayloadType payloadType,
        final DirectBuffer payload,
        final int offset,
        final int length,
        final long timestampNs)
    {
        if (closed)
        {
            return PublishResult.CLOSED;
        }
        if (length > ctx.maxPayloadLength())
        {
            return PublishResult.PAYLOAD_TOO_LARGE;
        }
        final int index = publishRing.tryClaim(
            PublishRingDescriptor.PUBLISH_MSG_TYPE_ID, PublishRingDescriptor.PAYLOAD_OFFSET + length);
        if (index <= 0)
        {
            return PublishResult.BACK_PRESSURED;
        }

        final long correlationId = nextCorrelationId.getAndIncrement();
        final UnsafeBuffer buffer = (UnsafeBuffer)publishRing.buffer();
        buffer.putLong(index + PublishRingDescriptor.CORRELATION_ID_OFFSET, correlationId);
        buffer.putLong(index + PublishRingDescriptor.TIMESTAMP_OFFSET, timestampNs);
        buffer.putInt(index + PublishRingDescriptor.TOPIC_OFFSET, topic.number());
        buffer.putByte(index + PublishRingDescriptor.PAYLOAD_TYPE_OFFSET, (byte)payloadType.value());
        buffer.putBytes(index + PublishRingDescriptor.PAYLOAD_OFFSET, payload, offset, length);
        publishRing.commit(index);
        publishRingWakeup.wake();
        return correlationId;
    }

    /**
     * Publish and wait until the event is journaled (the acknowledgement: journaled means it will be delivered and
     * replayed, and survives a crash of this process).
     *
     * @return the event's global sequence, or a negative {@link PublishResult}.
     */
    public long publish(
        final Topic topic, final PayloadType payloadType, final DirectBuffer payload, final int offset, final int length)
    {
        final long correlationId = offer(topic, payloadType, payload, offset, length);
        if (correlationId < 0)
        {
            return correlationId;
        }
        final long deadlineNs = System.nanoTime() + ctx.publishTimeoutNs;
        while (true)
        {
            final long sequence = ackTable.sequenceOf(correlationId);
            if (sequence > 0)
            {
                return sequence;
            }
            if (sequence == AckTable.REJECTED)
            {
                return PublishResult.REJECTED;
            }
            if (closed)
            {
                return PublishResult.CLOSED;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                return PublishResult.TIMED_OUT;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Convenience: declare (if needed) and publish a byte array, waiting until journaled.
     */
    public long publish(final String topicName, final PayloadType payloadType, final byte[] payload)
    {
        return publish(topic(topicName), payloadType, new UnsafeBuffer(payload), 0, payload.length);
    }

    /**
     * Subscribe in-process to the event stream from now on; {@code handler} runs on a new thread.
     */
    public EventSubscription subscribe(final EventHandler handler)
    {
        ensureOpen();
        final EventSubscription subscription = new EventSubscription(
            aeron, ctx.eventsChannel(), ctx.eventsStreamId(), ctx.ingressChannel(), ctx.ingressStreamId(), handler);
        final AgentRunner runner = new AgentRunner(
            IdleStrategies.dueWorkAware(ctx.idleStrategySupplier().get(), subscription::hasWorkDueSoon),
            ctx.errorHandler(), null, subscription);
        subscription.closeAction(runner::close);
        AgentRunner.startOnThread(runner);
        return subscription;
    }

    private AtomicCounter counter(final CounterType type)
    {
        return type.allocate(aeron::addCounter, "engine");
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("engine is closed");
        }
    }

    /**
     * Stop the sequencer (after its current duty cycle), then close the journal, Aeron and the driver, in order.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null != sequencerCallerRuns)
        {
            AgentWakeups.forStream(ctx.ingressChannel(), ctx.ingressStreamId()).uncoveredBy(sequencerCallerRuns);
        }
        CloseHelper.closeAll(
            agentInvoker, replayRunner, sequencerRunner, topicRegistry, journal, aeron, mediaDriver);
        if (null != mediaDriver)
        {
            IoUtil.delete(new File(ctx.aeronDirectoryName()), true);
        }
    }
}
