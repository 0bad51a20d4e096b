package io.pushengine.engine.sequencer;

import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.pushengine.codec.AgentWakeups;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.TopicNameCache;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.metrics.LatencyHistogram;
import io.pushengine.codec.sbe.CatalogCompleteEncoder;
import io.pushengine.codec.sbe.CatalogRequestDecoder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.LastValueEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.IngressAuthenticateDecoder;
import io.pushengine.codec.sbe.PublishAckEncoder;
import io.pushengine.codec.sbe.PublishRefusedEncoder;
import io.pushengine.codec.sbe.PublishRequestDecoder;
import io.pushengine.codec.sbe.TopicDeclaredEncoder;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import io.pushengine.journal.TopicRegistryStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.BiConsumer;

/**
 * The single writer. Takes publish requests from in-process publishers (a many-to-one ring buffer) and from the
 * Aeron ingress stream (edges, remote publishers), and for each: assigns the next global sequence and the next
 * sequence of its topic, appends the event to the journal, and only then offers it on the event stream.
 * <p>
 * Everything it owns (sequences, topic table, journal appender, publication) is touched by this agent's thread
 * only. When the event stream is back-pressured it stops taking requests (publishers then see their own back
 * pressure) until the pending messages are sent: nothing journaled is ever skipped on the stream.
 */
public final class Sequencer implements Agent, ControlledMessageHandler, ControlledFragmentHandler
{
    /**
     * Counters the sequencer updates (single writer: release increments).
     */
    public record Counters(
        AtomicCounter eventsSequenced,
        AtomicCounter lastSequence,
        AtomicCounter topics,
        AtomicCounter publishRejected,
        AtomicCounter backPressured,
        AtomicCounter withoutSubscriber,
        AtomicCounter ingressRefused,
        LatencyHistogram publishToJournal)
    {
    }

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventEncoder eventEncoder = new EventEncoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final TopicDeclaredEncoder topicDeclaredEncoder = new TopicDeclaredEncoder();
    private final PublishAckEncoder publishAckEncoder = new PublishAckEncoder();
    private final PublishRefusedEncoder publishRefusedEncoder = new PublishRefusedEncoder();
    private final IngressAuthenticateDecoder ingressAuthenticateDecoder = new IngressAuthenticateDecoder();
    private final PublishRequestDecoder publishRequestDecoder = new PublishRequestDecoder();
    private final TopicNameCache topicNames = new TopicNameCache();
    private final CatalogRequestDecoder catalogRequestDecoder = new CatalogRequestDecoder();
    private final CatalogCompleteEncoder catalogCompleteEncoder = new CatalogCompleteEncoder();
    private final UnsafeBuffer eventBuffer;
    private final UnsafeBuffer controlBuffer = new UnsafeBuffer(new byte[512]);
    private final UnsafeBuffer payloadView = new UnsafeBuffer(0, 0);
    private final TopicTable topicTable = new TopicTable();
    private final LastValueTable lastValues = new LastValueTable();
    private final LastValueEncoder lastValueEncoder = new LastValueEncoder();
    private final ExpandableArrayBuffer lastValueBuffer = new ExpandableArrayBuffer(256);
    private final ControlledFragmentAssembler ingressAssembler = new ControlledFragmentAssembler(this);

    private final EventJournal journal;
    private final TopicRegistryStore topicRegistry;
    private final RingBuffer publishRing;
    private final AgentWakeups.Wakeup publishRingWakeup;
    private final AgentWakeups.Wakeup ingressWakeup;
    private final AgentWakeups.Wakeup eventStreamWakeup;
    private Thread agentThread;
    private final Subscription ingressSubscription;
    private final EventStreamPublisher eventStream;
    private final AckTable ackTable;
    private final IngressAuthenticator ingressAuthenticator;
    private final BiConsumer<String, Integer> topicPublisher;
    private final EpochNanoClock clock;
    private final Counters counters;
    private final int maxPayloadLength;
    private final int drainLimit;
    private long lastGlobalSequence;

    /**
     * @param topicPublisher told (name, number) of every topic, recovered or declared, so publishers can look them
     *                       up without asking the sequencer.
     */
    public Sequencer(
        final EventJournal journal,
        final TopicRegistryStore topicRegistry,
        final RingBuffer publishRing,
        final io.aeron.Publication eventPublication,
        final Subscription ingressSubscription,
        final AckTable ackTable,
        final BiConsumer<String, Integer> topicPublisher,
        final EpochNanoClock clock,
        final Counters counters,
        final int maxPayloadLength,
        final int drainLimit,
        final IngressAuthenticator ingressAuthenticator,
        final AgentWakeups.Wakeup publishRingWakeup)
    {
        this.ingressAuthenticator = ingressAuthenticator;
        this.publishRingWakeup = publishRingWakeup;
        this.ingressWakeup = AgentWakeups.forStream(ingressSubscription.channel(), ingressSubscription.streamId());
        this.eventStreamWakeup = AgentWakeups.forStream(eventPublication.channel(), eventPublication.streamId());
        this.journal = journal;
        this.topicRegistry = topicRegistry;
        this.publishRing = publishRing;
        this.ingressSubscription = ingressSubscription;
        this.ackTable = ackTable;
        this.topicPublisher = topicPublisher;
        this.clock = clock;
        this.counters = counters;
        this.maxPayloadLength = maxPayloadLength;
        this.drainLimit = drainLimit;
        this.eventBuffer = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + EventEncoder.BLOCK_LENGTH +
            EventEncoder.payloadHeaderLength() + maxPayloadLength]);
        this.eventStream = new EventStreamPublisher(
            eventPublication, counters.backPressured(), counters.withoutSubscriber());
        recover();
    }

    public String roleName()
    {
        return "sequencer";
    }

    /**
     * Publishers in this process ring the sequencer awake when they offer (ingress stream, in-process ring).
     */
    public void onStart()
    {
        agentThread = Thread.currentThread();
        ingressWakeup.register(agentThread);
        publishRingWakeup.register(agentThread);
    }

    public void onClose()
    {
        ingressWakeup.unregister(agentThread);
        publishRingWakeup.unregister(agentThread);
    }

    /**
     * True while events wait for the event stream's back pressure to clear: retried by time, not by a wake-up.
     * Sequencer thread.
     */
    public boolean hasWorkDueSoon()
    {
        return eventStream.hasPending();
    }

    /**
     * @return highest global sequence journaled. Sequencer thread, or before the agent starts.
     */
    public long lastGlobalSequence()
    {
        return lastGlobalSequence;
    }

    public int doWork()
    {
        int work = 0;
        if (eventStream.hasPending())
        {
            work += eventStream.retryPending();
            if (eventStream.hasPending())
            {
                return work;
            }
        }

        work += publishRing.controlledRead(this, drainLimit);
        if (!eventStream.hasPending())
        {
            work += ingressSubscription.controlledPoll(ingressAssembler, drainLimit);
        }
        if (work > 0)
        {
            counters.publishToJournal().flush();
            eventStreamWakeup.wake(); // edges in this process: events and acknowledgements are there to read
        }
        return work;
    }

    // ---------------------------------------------------------------- in-process publishers (ring buffer)

    public ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        final long correlationId = buffer.getLong(index + PublishRingDescriptor.CORRELATION_ID_OFFSET);
        if (PublishRingDescriptor.PUBLISH_MSG_TYPE_ID == msgTypeId)
        {
            final int topic = buffer.getInt(index + PublishRingDescriptor.TOPIC_OFFSET);
            final int payloadLength = length - PublishRingDescriptor.PAYLOAD_OFFSET;
            if (!topicTable.isDeclared(topic) || payloadLength > maxPayloadLength)
            {
                counters.publishRejected().incrementRelease();
                ackTable.acknowledge(correlationId, AckTable.REJECTED);
            }
            else
            {
                final PayloadType payloadType = PayloadType.get(
                    (short)(buffer.getByte(index + PublishRingDescriptor.PAYLOAD_TYPE_OFFSET) & 0xFF));
                sequence(
                    topic,
                    buffer.getLong(index + PublishRingDescriptor.TIMESTAMP_OFFSET),
                    payloadType,
                    buffer,
                    index + PublishRingDescriptor.PAYLOAD_OFFSET,
                    payloadLength,
                    correlationId,
                    false);
            }
        }
        else if (PublishRingDescriptor.DECLARE_TOPIC_MSG_TYPE_ID == msgTypeId)
        {
            final String name = buffer.getStringWithoutLengthAscii(
                index + PublishRingDescriptor.TOPIC_NAME_OFFSET, length - PublishRingDescriptor.TOPIC_NAME_OFFSET);
            if (null == TopicNames.validate(name))
            {
                declare(name);
            }
            else
            {
                counters.publishRejected().incrementRelease();
            }
        }

        return eventStream.hasPending() ? ControlledMessageHandler.Action.BREAK : ControlledMessageHandler.Action.CONTINUE;
    }

    // ---------------------------------------------------------------- Aeron ingress (edges, remote publishers)

    public ControlledFragmentHandler.Action onFragment(
        final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length))
        {
            counters.publishRejected().incrementRelease();
            return ControlledFragmentHandler.Action.CONTINUE;
        }

        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (headerDecoder.templateId())
        {
            case PublishRequestDecoder.TEMPLATE_ID:
                onPublishRequest(buffer, bodyOffset, header.sessionId());
                break;

            case IngressAuthenticateDecoder.TEMPLATE_ID:
                ingressAuthenticateDecoder.wrap(
                    buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                ingressAuthenticator.onAuthenticate(
                    header.sessionId(), ingressAuthenticateDecoder.token(), clock.nanoTime() / 1_000_000);
                break;

            case CatalogRequestDecoder.TEMPLATE_ID:
                catalogRequestDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                for (int topic = 1; topic <= topicTable.size(); topic++)
                {
                    announce(topic, topicTable.name(topic));
                    sendLastValue(topic);
                }
                catalogCompleteEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                    .correlationId(catalogRequestDecoder.correlationId())
                    .lastGlobalSequence(lastGlobalSequence)
                    .topicCount(topicTable.size());
                eventStream.send(
                    controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + catalogCompleteEncoder.encodedLength());
                break;

            default:
                counters.publishRejected().incrementRelease();
                break;
        }

        return eventStream.hasPending() ? ControlledFragmentHandler.Action.BREAK : ControlledFragmentHandler.Action.CONTINUE;
    }

    private void onPublishRequest(final DirectBuffer buffer, final int bodyOffset, final int sessionId)
    {
        final PublishRequestDecoder request = publishRequestDecoder.wrap(
            buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
        final long correlationId = request.correlationId();
        final long timestampNs = request.timestampNs();
        final PayloadType payloadType = request.payloadType();
        // by name: the remote/HTTP path (in-process publishers use topic numbers); decoded once per name
        final int nameLength = request.topicNameLength();
        final int nameOffset = request.limit() + PublishRequestDecoder.topicNameHeaderLength();
        request.skipTopicName();
        final String name = topicNames.name(buffer, nameOffset, nameLength);
        final int payloadLength = request.payloadLength();
        if (null != TopicNames.validate(name) || payloadLength > maxPayloadLength ||
            payloadType == PayloadType.NULL_VAL)
        {
            counters.publishRejected().incrementRelease();
            return;
        }
        if (!ingressAuthenticator.isOpen())
        {
            final String refusal = ingressAuthenticator.refusal(sessionId, name, clock.nanoTime() / 1_000_000);
            if (null != refusal)
            {
                counters.ingressRefused().incrementRelease();
                if (0 != correlationId)
                {
                    publishRefusedEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                        .correlationId(correlationId)
                        .reason(refusal);
                    eventStream.send(controlBuffer, 0,
                        MessageHeaderEncoder.ENCODED_LENGTH + publishRefusedEncoder.encodedLength());
                }
                return;
            }
        }

        int topic = topicTable.number(name);
        if (0 == topic)
        {
            topic = declare(name);
        }

        final int payloadOffset = request.limit() + PublishRequestDecoder.payloadHeaderLength();
        payloadView.wrap(buffer, payloadOffset, payloadLength);
        sequence(topic, timestampNs, payloadType, payloadView, 0, payloadLength, correlationId, true);
    }

    // ---------------------------------------------------------------- sequencing

    private void sequence(
        final int topic,
        final long timestampNs,
        final PayloadType payloadType,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final long correlationId,
        final boolean ackOnStream)
    {
        final long globalSequence = ++lastGlobalSequence;
        final long topicSequence = topicTable.nextTopicSequence(topic);
        final long publishedNs = 0 != timestampNs ? timestampNs : clock.nanoTime();

        eventEncoder.wrapAndApplyHeader(eventBuffer, 0, headerEncoder)
            .globalSequence(globalSequence)
            .topic(topic)
            .topicSequence(topicSequence)
            .timestampNs(publishedNs)
            .payloadType(payloadType)
            .putPayload(payload, payloadOffset, payloadLength);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + eventEncoder.encodedLength();

        journal.append(eventBuffer, 0, length);
        counters.publishToJournal().record(clock.nanoTime() - publishedNs);
        lastValues.put(topic, eventBuffer, 0, length);
        counters.eventsSequenced().incrementRelease();
        counters.lastSequence().setRelease(globalSequence);

        if (0 != correlationId)
        {
            if (ackOnStream)
            {
                publishAckEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                    .correlationId(correlationId)
                    .globalSequence(globalSequence)
                    .topic(topic)
                    .topicSequence(topicSequence);
                // the ack follows the event on the same stream, so a requester sees the event first
                eventStream.send(eventBuffer, 0, length);
                eventStream.send(
                    controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + publishAckEncoder.encodedLength());
                return;
            }
            ackTable.acknowledge(correlationId, globalSequence);
        }

        eventStream.send(eventBuffer, 0, length);
    }

    private int declare(final String name)
    {
        final int existing = topicTable.number(name);
        if (0 != existing)
        {
            return existing;
        }
        final int topic = topicTable.nextNumber();
        topicRegistry.append(topic, name);
        topicTable.put(topic, name);
        counters.topics().setRelease(topicTable.size());
        topicPublisher.accept(name, topic);
        announce(topic, name);
        return topic;
    }

    /**
     * Part of a catalog answer: the topic's newest event, so an edge that joined after it can serve snapshots. In
     * stream order, so it is exactly the value as of this point of the stream.
     */
    private void sendLastValue(final int topic)
    {
        final int length = lastValues.length(topic);
        if (0 == length)
        {
            return;
        }
        lastValueEncoder.wrapAndApplyHeader(lastValueBuffer, 0, headerEncoder)
            .putEventMessage(lastValues.buffer(topic), 0, length);
        eventStream.send(lastValueBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + lastValueEncoder.encodedLength());
    }

    private void announce(final int topic, final String name)
    {
        topicDeclaredEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder).topic(topic).topicName(name);
        eventStream.send(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + topicDeclaredEncoder.encodedLength());
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Rebuild state from disk: topic numbers from the registry, then the last global sequence, each topic's last
     * sequence and last value from a scan of the journal. The scan is linear in the retained journal (see README: recovery).
     */
    private void recover()
    {
        topicRegistry.readAll((number, name) ->
        {
            topicTable.put(number, name);
            topicPublisher.accept(name, number);
        });
        counters.topics().setRelease(topicTable.size());

        try (JournalReader reader = journal.newReader())
        {
            reader.toStart();
            final RecoveryScan adapter = new RecoveryScan();
            while (reader.read(adapter, 4096) > 0)
            {
                // scan until the end
            }
        }
        counters.lastSequence().setRelease(lastGlobalSequence);
    }

    private final class RecoveryScan implements io.pushengine.journal.JournalEventHandler
    {
        public boolean onJournaledEvent(final DirectBuffer buffer, final int offset, final int length)
        {
            eventDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
            lastGlobalSequence = eventDecoder.globalSequence();
            final int topic = eventDecoder.topic();
            if (topicTable.isDeclared(topic))
            {
                topicTable.lastTopicSequence(topic, eventDecoder.topicSequence());
                lastValues.put(topic, buffer, offset, length);
            }
            return true;
        }
    }
}
