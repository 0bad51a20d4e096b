package io.pushengine.engine.sequencer;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.Publication;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.TopicNameCache;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.metrics.CounterType;
import io.pushengine.codec.sbe.CatalogCompleteEncoder;
import io.pushengine.codec.sbe.CatalogRequestDecoder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.LastValueEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PublishAckEncoder;
import io.pushengine.codec.sbe.PublishRefusedEncoder;
import io.pushengine.codec.sbe.PublishRequestDecoder;
import io.pushengine.codec.sbe.StreamHeartbeatEncoder;
import io.pushengine.codec.sbe.TopicDeclaredEncoder;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import io.pushengine.journal.TopicRegistryStore;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.MutableBoolean;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.charset.StandardCharsets;
/**
 * The sequencer as an Aeron Cluster service: one member of a replicated single writer. Publish requests arrive
 * through the cluster's ingress ({@link io.pushengine.client.ClusterPublisher}); the consensus module
 * orders them in its Raft log and hands each to every member's service only once a majority has it. The log's
 * order is the global sequence: every member assigns the same sequence to the same request, journals the event
 * to its own Chronicle Queue, and offers it on its own event stream. The leader answers the publisher on the
 * cluster's egress ({@code PublishAck} or {@code PublishRefused}): an acknowledged publish is committed on a quorum
 * and journaled on the member that answered.
 * <p>
 * State (topic numbers, each topic's last sequence, the last global sequence) is a function of the log only, as a
 * clustered service's must be: timestamps come from the request or the cluster's clock, never the wall. It is
 * written to cluster snapshots ({@link #onTakeSnapshot}) so a member restarts from its newest snapshot and the log
 * after it. The journal and the topic registry are side effects: a member that replays log entries it journaled
 * before a restart appends only what lies past its journal's last sequence.
 * <p>
 * Edges: each member offers its committed events on an event stream of its own, and answers the catalog requests
 * edges attached to it send on its edge requests channel (from {@link #doBackgroundWork}, in stream order: the
 * topics, their last values as of the answer, then the member's position), as the single-node sequencer does.
 * Publishes sent there are refused with a reason: edges publish through the cluster's ingress like any publisher.
 * <p>
 * Threading: the service container's thread only. The event stream is best effort: when it is back-pressured the
 * events wait in an outbox retried from {@link #doBackgroundWork} and the log is never held up; edges recover any
 * gap from the journal.
 */
public final class ClusteredSequencer implements ClusteredService
{
    /**
     * The counters it keeps, allocated on the container's Aeron client when the service starts.
     */
    public record Counters(
        AtomicCounter eventsSequenced,
        AtomicCounter lastSequence,
        AtomicCounter topics,
        AtomicCounter publishRejected,
        AtomicCounter backPressured,
        AtomicCounter withoutSubscriber,
        AtomicCounter role,
        AtomicCounter snapshots,
        AtomicCounter ingressRefused)
    {
        static Counters allocate(final io.aeron.Aeron aeron, final String source)
        {
            return new Counters(
                CounterType.ENGINE_EVENTS_SEQUENCED.allocate(aeron::addCounter, source),
                CounterType.ENGINE_LAST_SEQUENCE.allocate(aeron::addCounter, source),
                CounterType.ENGINE_TOPICS.allocate(aeron::addCounter, source),
                CounterType.ENGINE_PUBLISH_REJECTED.allocate(aeron::addCounter, source),
                CounterType.ENGINE_AERON_BACK_PRESSURED.allocate(aeron::addCounter, source),
                CounterType.ENGINE_EVENTS_WITHOUT_SUBSCRIBER.allocate(aeron::addCounter, source),
                CounterType.ENGINE_CLUSTER_ROLE.allocate(aeron::addCounter, source),
                CounterType.ENGINE_CLUSTER_SNAPSHOTS.allocate(aeron::addCounter, source),
                CounterType.ENGINE_INGRESS_REFUSED.allocate(aeron::addCounter, source));
        }
    }

    /**
     * Told when this member's role changes (the node's log line and health answer).
     */
    @FunctionalInterface
    public interface RoleListener
    {
        void onRoleChange(Cluster.Role role, int memberId);
    }

    /**
     * The longest an edge goes without a message from its member: a member that sent nothing in the last half of
     * it sends a {@code StreamHeartbeat}.
     */
    public static final long HEARTBEAT_INTERVAL_NS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250);
    static final int SNAPSHOT_MAGIC = 0x50534e31; // "PSN1": sequencer state, layout version 1
    private static final int SNAPSHOT_HEADER_LENGTH = Integer.BYTES + Long.BYTES + Integer.BYTES;
    private static final int SNAPSHOT_TOPIC_FIXED_LENGTH = Integer.BYTES + Long.BYTES + Integer.BYTES;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventEncoder eventEncoder = new EventEncoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final PublishRequestDecoder publishRequestDecoder = new PublishRequestDecoder();
    private final TopicNameCache topicNames = new TopicNameCache();
    private final PublishAckEncoder publishAckEncoder = new PublishAckEncoder();
    private final PublishRefusedEncoder publishRefusedEncoder = new PublishRefusedEncoder();
    private final TopicDeclaredEncoder topicDeclaredEncoder = new TopicDeclaredEncoder();
    private final CatalogRequestDecoder catalogRequestDecoder = new CatalogRequestDecoder();
    private final CatalogCompleteEncoder catalogCompleteEncoder = new CatalogCompleteEncoder();
    private final LastValueEncoder lastValueEncoder = new LastValueEncoder();
    private final ExpandableArrayBuffer lastValueBuffer = new ExpandableArrayBuffer(256);
    private final LastValueTable lastValues = new LastValueTable();
    private final StreamHeartbeatEncoder streamHeartbeatEncoder = new StreamHeartbeatEncoder();
    private final FragmentAssembler edgeRequestAssembler = new FragmentAssembler(this::onEdgeRequest);
    private final UnsafeBuffer payloadView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer controlBuffer = new UnsafeBuffer(new byte[512]);
    private final ExpandableArrayBuffer snapshotBuffer = new ExpandableArrayBuffer(256);
    private final UnsafeBuffer eventBuffer;
    private final TopicTable topicTable = new TopicTable();
    private final EventJournal journal;
    private final TopicRegistryStore topicRegistry;
    private final String eventsChannel;
    private final String edgeRequestsChannel;
    private final int eventsStreamId;
    private final int maxPayloadLength;
    private final RoleListener roleListener;
    private final java.util.function.Consumer<RuntimeException> startFailureHandler;
    private final SessionGrants sessionGrants;
    private final int memberId;

    private Cluster cluster;
    private Counters counters;
    private EventStreamPublisher eventStream;
    private Subscription edgeRequests;
    private long nextHeartbeatCheckNs;
    private boolean sentSinceHeartbeatCheck;
    private long lastGlobalSequence;
    private long journaledThrough;
    private int registeredTopics;

    /**
     * @param journal        this member's journal (its own directory).
     * @param topicRegistry  this member's topic registry, beside the journal.
     * @param eventsChannel  the channel this member offers its committed events on (edges subscribe to it); null
     *                       for none.
     * @param edgeRequestsChannel where edges attached to this member send catalog requests; null for none.
     * @param memberId       this member's id, for its counters' labels and role changes (the container knows it
     *                       only once the member has joined).
     * @param startFailureHandler told, on the service thread, when the service cannot start (a snapshot it must
     *                       refuse); null for none.
     * @param ingressSecret  the HS256 key publishers' tokens must be signed with (their sessions' principals);
     *                       null: the ingress is open.
     */
    public ClusteredSequencer(
        final EventJournal journal,
        final TopicRegistryStore topicRegistry,
        final String eventsChannel,
        final String edgeRequestsChannel,
        final int eventsStreamId,
        final int maxPayloadLength,
        final int memberId,
        final RoleListener roleListener,
        final java.util.function.Consumer<RuntimeException> startFailureHandler,
        final byte[] ingressSecret)
    {
        this.sessionGrants = new SessionGrants(ingressSecret);
        this.startFailureHandler = startFailureHandler;
        this.memberId = memberId;
        this.journal = journal;
        this.topicRegistry = topicRegistry;
        this.eventsChannel = eventsChannel;
        this.edgeRequestsChannel = edgeRequestsChannel;
        this.eventsStreamId = eventsStreamId;
        this.maxPayloadLength = maxPayloadLength;
        this.roleListener = roleListener;
        this.eventBuffer = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + EventEncoder.BLOCK_LENGTH +
            EventEncoder.payloadHeaderLength() + maxPayloadLength]);
        this.journaledThrough = lastJournaledSequence(journal);
        this.registeredTopics = topicRegistry.readAll((number, name) -> {});
    }

    /**
     * @return the highest global sequence this member has applied. Service thread.
     */
    public long lastGlobalSequence()
    {
        return lastGlobalSequence;
    }

    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        this.counters = Counters.allocate(cluster.aeron(), "cluster-member-" + memberId);
        final Publication publication = null == eventsChannel ? null :
            cluster.aeron().addExclusivePublication(eventsChannel, eventsStreamId);
        this.eventStream = null == publication ? null :
            new EventStreamPublisher(publication, counters.backPressured(), counters.withoutSubscriber());
        this.edgeRequests = null == edgeRequestsChannel || null == eventStream ? null :
            cluster.aeron().addSubscription(edgeRequestsChannel, ProtocolDefaults.INGRESS_STREAM_ID);
        if (null != snapshotImage)
        {
            try
            {
                loadSnapshot(snapshotImage);
            }
            catch (final RuntimeException ex)
            {
                // the container only logs what onStart throws and the member would sit there without a service:
                // tell the node, whose process exits
                if (null != startFailureHandler)
                {
                    startFailureHandler.accept(ex);
                }
                throw ex;
            }
        }
        counters.lastSequence().setRelease(lastGlobalSequence);
        counters.topics().setRelease(topicTable.size());
        // sessions restored with a snapshot are not opened again: their tokens come from their principals here
        cluster.forEachClientSession(sessionGrants::onSessionOpen);
    }

    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
        sessionGrants.onSessionOpen(session);
    }

    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
        sessionGrants.onSessionClose(session.id());
    }

    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length) ||
            PublishRequestDecoder.TEMPLATE_ID != headerDecoder.templateId())
        {
            counters.publishRejected().incrementRelease();
            return;
        }

        final PublishRequestDecoder request = publishRequestDecoder.wrap(
            buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
        final long correlationId = request.correlationId();
        final long requestTimestampNs = request.timestampNs();
        final PayloadType payloadType = request.payloadType();
        final int nameLength = request.topicNameLength();
        final int nameOffset = request.limit() + PublishRequestDecoder.topicNameHeaderLength();
        request.skipTopicName();
        final String name = topicNames.name(buffer, nameOffset, nameLength); // decoded once per name
        final int payloadLength = request.payloadLength();
        final String refusal = null != TopicNames.validate(name) ? TopicNames.validate(name) :
            payloadLength > maxPayloadLength ? "payload of " + payloadLength + " bytes is over the limit of " +
                maxPayloadLength :
            PayloadType.NULL_VAL == payloadType ? "no payload type" : null;
        if (null != refusal)
        {
            counters.publishRejected().incrementRelease();
            refuse(session, correlationId, refusal);
            return;
        }
        if (!sessionGrants.isOpen())
        {
            final String denied = sessionGrants.refusal(session.id(), name, cluster.timeUnit().toMillis(timestamp));
            if (null != denied)
            {
                counters.ingressRefused().incrementRelease();
                refuse(session, correlationId, denied);
                return;
            }
        }

        int topic = topicTable.number(name);
        if (0 == topic)
        {
            topic = declare(name);
        }
        final long globalSequence = ++lastGlobalSequence;
        final long topicSequence = topicTable.nextTopicSequence(topic);
        final long timestampNs = 0 != requestTimestampNs ? requestTimestampNs :
            cluster.timeUnit().toNanos(timestamp);

        payloadView.wrap(buffer, request.limit() + PublishRequestDecoder.payloadHeaderLength(), payloadLength);
        eventEncoder.wrapAndApplyHeader(eventBuffer, 0, headerEncoder)
            .globalSequence(globalSequence)
            .topic(topic)
            .topicSequence(topicSequence)
            .timestampNs(timestampNs)
            .payloadType(payloadType)
            .putPayload(payloadView, 0, payloadLength);
        final int eventLength = MessageHeaderEncoder.ENCODED_LENGTH + eventEncoder.encodedLength();

        if (globalSequence > journaledThrough)
        {
            journal.append(eventBuffer, 0, eventLength);
            journaledThrough = globalSequence;
        }
        lastValues.put(topic, eventBuffer, 0, eventLength);
        counters.eventsSequenced().incrementRelease();
        counters.lastSequence().setRelease(globalSequence);
        send(eventBuffer, eventLength);

        if (null != session && 0 != correlationId)
        {
            publishAckEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .correlationId(correlationId)
                .globalSequence(globalSequence)
                .topic(topic)
                .topicSequence(topicSequence);
            offerEgress(session, MessageHeaderEncoder.ENCODED_LENGTH + publishAckEncoder.encodedLength());
        }
    }

    public void onTimerEvent(final long correlationId, final long timestamp)
    {
    }

    /**
     * The state as of this log position: a header (magic, last global sequence, topic count) then one message
     * per topic (number, last topic sequence, name).
     */
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        snapshotBuffer.putInt(0, SNAPSHOT_MAGIC);
        snapshotBuffer.putLong(Integer.BYTES, lastGlobalSequence);
        snapshotBuffer.putInt(Integer.BYTES + Long.BYTES, topicTable.size());
        offerSnapshot(snapshotPublication, SNAPSHOT_HEADER_LENGTH);
        for (int topic = 1; topic <= topicTable.size(); topic++)
        {
            final byte[] name = topicTable.name(topic).getBytes(StandardCharsets.US_ASCII);
            snapshotBuffer.putInt(0, topic);
            snapshotBuffer.putLong(Integer.BYTES, topicTable.lastTopicSequence(topic));
            snapshotBuffer.putInt(Integer.BYTES + Long.BYTES, name.length);
            snapshotBuffer.putBytes(SNAPSHOT_TOPIC_FIXED_LENGTH, name);
            offerSnapshot(snapshotPublication, SNAPSHOT_TOPIC_FIXED_LENGTH + name.length);
        }
        counters.snapshots().incrementRelease();
    }

    public void onRoleChange(final Cluster.Role newRole)
    {
        counters.role().setRelease(newRole.code());
        if (null != roleListener)
        {
            roleListener.onRoleChange(newRole, memberId);
        }
    }

    public void onTerminate(final Cluster cluster)
    {
        CloseHelper.quietClose(edgeRequests);
    }

    public int doBackgroundWork(final long nowNs)
    {
        if (null == eventStream)
        {
            return 0;
        }
        int work = eventStream.hasPending() ? eventStream.retryPending() : 0;
        if (null != edgeRequests && !eventStream.hasPending())
        {
            work += edgeRequests.poll(edgeRequestAssembler, 16);
            if (nowNs - nextHeartbeatCheckNs >= 0)
            {
                nextHeartbeatCheckNs = nowNs + HEARTBEAT_INTERVAL_NS / 2; // a silence is never longer than the interval
                if (!sentSinceHeartbeatCheck)
                {
                    // liveness for the edges attached to this member (they move to another when it goes quiet),
                    // and its position, so an edge that joined after the last event learns what it missed
                    streamHeartbeatEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                        .lastGlobalSequence(lastGlobalSequence);
                    send(controlBuffer, MessageHeaderEncoder.ENCODED_LENGTH + StreamHeartbeatEncoder.BLOCK_LENGTH);
                    work++;
                }
                sentSinceHeartbeatCheck = false;
            }
        }
        return work;
    }

    /**
     * A request from an edge attached to this member: a catalog request is answered on the event stream, in order
     * with the events; a publish is refused (it must go through the cluster's ingress to be ordered by the log).
     */
    private void onEdgeRequest(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length))
        {
            counters.publishRejected().incrementRelease();
            return;
        }
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (headerDecoder.templateId())
        {
            case CatalogRequestDecoder.TEMPLATE_ID:
                catalogRequestDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                answerCatalog(catalogRequestDecoder.correlationId());
                break;

            case PublishRequestDecoder.TEMPLATE_ID:
                publishRequestDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
                counters.publishRejected().incrementRelease();
                if (0 != publishRequestDecoder.correlationId())
                {
                    publishRefusedEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                        .correlationId(publishRequestDecoder.correlationId())
                        .reason("a cluster member takes publishes through the cluster's ingress only");
                    send(controlBuffer, MessageHeaderEncoder.ENCODED_LENGTH + publishRefusedEncoder.encodedLength());
                }
                break;

            default:
                counters.publishRejected().incrementRelease();
                break;
        }
    }

    /**
     * Every topic, its last value as of this member's position (a value the journal scan found past it, while
     * the member is still replaying its log, is left out), then the position.
     */
    private void answerCatalog(final long correlationId)
    {
        for (int topic = 1; topic <= topicTable.size(); topic++)
        {
            topicDeclaredEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .topic(topic)
                .topicName(topicTable.name(topic));
            send(controlBuffer, MessageHeaderEncoder.ENCODED_LENGTH + topicDeclaredEncoder.encodedLength());
            final int valueLength = lastValues.length(topic);
            if (valueLength > 0)
            {
                eventDecoder.wrapAndApplyHeader(lastValues.buffer(topic), 0, headerDecoder);
                if (eventDecoder.globalSequence() <= lastGlobalSequence)
                {
                    lastValueEncoder.wrapAndApplyHeader(lastValueBuffer, 0, headerEncoder)
                        .putEventMessage(lastValues.buffer(topic), 0, valueLength);
                    send(lastValueBuffer, MessageHeaderEncoder.ENCODED_LENGTH + lastValueEncoder.encodedLength());
                }
            }
        }
        catalogCompleteEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .lastGlobalSequence(lastGlobalSequence)
            .topicCount(topicTable.size());
        send(controlBuffer, MessageHeaderEncoder.ENCODED_LENGTH + catalogCompleteEncoder.encodedLength());
    }

    private int declare(final String name)
    {
        final int topic = topicTable.nextNumber();
        topicTable.put(topic, name);
        if (topic > registeredTopics)
        {
            topicRegistry.append(topic, name);
            registeredTopics = topic;
        }
        counters.topics().setRelease(topicTable.size());
        topicDeclaredEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder).topic(topic).topicName(name);
        send(controlBuffer, MessageHeaderEncoder.ENCODED_LENGTH + topicDeclaredEncoder.encodedLength());
        return topic;
    }

    private void send(final DirectBuffer buffer, final int length)
    {
        if (null != eventStream)
        {
            eventStream.send(buffer, 0, length);
            sentSinceHeartbeatCheck = true; // no clock read per event: the heartbeat check looks at this flag
        }
    }

    private void refuse(final ClientSession session, final long correlationId, final String reason)
    {
        if (null != session && 0 != correlationId)
        {
            publishRefusedEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .correlationId(correlationId)
                .reason(reason);
            offerEgress(session, MessageHeaderEncoder.ENCODED_LENGTH + publishRefusedEncoder.encodedLength());
        }
    }

    /**
     * Egress to the publisher: a follower's session answers {@link ClientSession#MOCKED_OFFER} at once; the
     * leader retries a back-pressured offer a bounded number of times (an unanswered publish is one the publisher
     * treats as unknown, never as failed).
     */
    private void offerEgress(final ClientSession session, final int length)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            final long result = session.offer(controlBuffer, 0, length);
            if (result > 0 || ClientSession.MOCKED_OFFER == result || Publication.NOT_CONNECTED == result ||
                Publication.CLOSED == result)
            {
                return;
            }
            cluster.idleStrategy().idle();
        }
    }

    private void offerSnapshot(final ExclusivePublication publication, final int length)
    {
        cluster.idleStrategy().reset();
        long result;
        while ((result = publication.offer(snapshotBuffer, 0, length)) < 0)
        {
            if (Publication.CLOSED == result || Publication.MAX_POSITION_EXCEEDED == result)
            {
                throw new IllegalStateException("snapshot publication " + Publication.errorString(result));
            }
            cluster.idleStrategy().idle();
        }
    }

    private void loadSnapshot(final Image snapshotImage)
    {
        final MutableBoolean header = new MutableBoolean(false);
        final int[] topicsLeft = {0};
        while (!header.get() || topicsLeft[0] > 0)
        {
            final int fragments = snapshotImage.poll((buffer, offset, length, fragmentHeader) ->
            {
                if (!header.get())
                {
                    if (length < SNAPSHOT_HEADER_LENGTH || SNAPSHOT_MAGIC != buffer.getInt(offset))
                    {
                        throw new IllegalStateException("not a push sequencer snapshot (magic " +
                            Integer.toHexString(buffer.getInt(offset)) + "): a snapshot from another service?");
                    }
                    lastGlobalSequence = buffer.getLong(offset + Integer.BYTES);
                    topicsLeft[0] = buffer.getInt(offset + Integer.BYTES + Long.BYTES);
                    header.set(true);
                    return;
                }
                final int topic = buffer.getInt(offset);
                final long lastTopicSequence = buffer.getLong(offset + Integer.BYTES);
                final int nameLength = buffer.getInt(offset + Integer.BYTES + Long.BYTES);
                final String name = buffer.getStringWithoutLengthAscii(
                    offset + SNAPSHOT_TOPIC_FIXED_LENGTH, nameLength);
                topicTable.put(topic, name);
                topicTable.lastTopicSequence(topic, lastTopicSequence);
                topicsLeft[0]--;
            }, 16);
            if (0 == fragments)
            {
                if (snapshotImage.isEndOfStream() || snapshotImage.isClosed())
                {
                    throw new IllegalStateException("snapshot ended before its " + topicsLeft[0] + " last topics");
                }
                cluster.idleStrategy().idle();
            }
        }
        if (journaledThrough < lastGlobalSequence)
        {
            throw new IllegalStateException("this member's journal ends at sequence " + journaledThrough +
                " but its cluster snapshot is at " + lastGlobalSequence + ": events " + (journaledThrough + 1) +
                ".." + lastGlobalSequence + " would be missing from it; restore the journal directory or start " +
                "the member with an empty cluster directory so it catches up from the log");
        }
    }

    private long lastJournaledSequence(final EventJournal journal)
    {
        final long[] last = {0};
        try (JournalReader reader = journal.newReader())
        {
            reader.toStart();
            while (reader.read((buffer, offset, length) ->
            {
                eventDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                last[0] = eventDecoder.globalSequence();
                lastValues.put(eventDecoder.topic(), buffer, offset, length);
                return true;
            }, 4096) > 0)
            {
                // scan to the end
            }
        }
        return last[0];
    }
}
