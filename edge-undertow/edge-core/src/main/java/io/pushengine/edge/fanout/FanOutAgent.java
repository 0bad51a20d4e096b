package io.pushengine.edge.fanout;

import io.aeron.Subscription;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.CallerRunsDutyCycle;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.stream.CatalogSync;
import io.pushengine.codec.stream.EventStreamAdapter;
import io.pushengine.codec.stream.EventStreamListener;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.codec.stream.ReplayRequestProxy;
import io.pushengine.codec.stream.ReplayStreamAdapter;
import io.pushengine.codec.stream.ReplayStreamListener;
import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.cluster.MemberStreamReader;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import io.pushengine.edge.session.PollingSession;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.SubscriptionOptions;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.PublishRoutes;
import io.pushengine.edge.session.RecentEvents;
import io.pushengine.edge.session.CloseCodes;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.metrics.LatencyHistogram;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The edge's single writer: reads the engine's event stream from Aeron and copies each event into the outbound
 * ring of every connection subscribed to its topic, then signals each touched connection's IO thread once per duty
 * cycle. Owns the subscriber index; IO threads change it only through {@link #commandQueue()}.
 * <p>
 * When a ring is full, each subscription's {@link DeliveryPolicy} decides: DISCONNECT closes the connection (1013),
 * CONFLATE keeps the latest value per topic, DROP reports exactly what was missed in a {@code Gap} notice, THROTTLE
 * (also when the ring has room) holds events back to the subscription's rate and sends the latest when due.
 * <p>
 * Snapshots: a client that asks gets the cached current value of each topic it subscribes, between
 * {@code SnapshotBegin} and {@code SnapshotEnd}, in the same duty cycle as the subscription, so nothing live comes
 * between the value and the next update and nothing is sent twice. The cache is filled by the live stream and by
 * the engine's {@code LastValue}s (its own cache, rebuilt from the journal) with every catalog answer.
 * <p>
 * Stream continuity: when the event stream skips sequences (the transport lost data, or the engine stopped between
 * journaling and sending), the stream is held at the next event while the missing range is replayed from the
 * journal through the engine, then goes on: clients see no gap. A new engine session (a restarted engine) makes
 * the edge learn the catalog again, which also reveals events journaled but never sent.
 * <p>
 * Also: keeps the topic catalog in sync with the engine, heartbeats idle connections, closes connections without a
 * subscription past the idle timeout and DISCONNECT connections that take nothing for the lag bound, releases the
 * rings of quiet connections, and passes publish acknowledgements to the HTTP ingress.
 */
public final class FanOutAgent implements Agent, EventStreamListener, ReplayStreamListener, MemberStreamReader
{
    private static final Logger LOG = LoggerFactory.getLogger(FanOutAgent.class);
    private static final int FRAGMENT_LIMIT = 256;
    private static final int COMMAND_LIMIT = 1024;
    /**
     * Connections' publishes (WebSocket {@code Publish}) the edge can have awaiting the engine's answer at once.
     */
    public static final int PUBLISHES_IN_FLIGHT = 16 * 1024;
    private static final long HOUSEKEEPING_INTERVAL_MAX_NS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * Settings of the agent's duties other than the event stream.
     *
     * @param heartbeatIntervalNs idle time before a connection gets a heartbeat.
     * @param idleTimeoutNs       a connection with no subscription this long is closed; 0 for never.
     * @param maxLagNs            a DISCONNECT connection with events waiting and nothing taken this long is closed.
     * @param ringReleaseNs       an empty ring not written this long is released.
     */
    /**
     * @param maxConnectionAgeNs streaming connections are recycled (closed 1001 with a reconnect hint) at this age,
     *                           spread over its last fifth; 0 never.
     * @param reconnectJitterMs  the largest {@code retry-after-ms} a recycled connection is told to wait.
     */
    public record Timeouts(
        long heartbeatIntervalNs,
        long idleTimeoutNs,
        long maxLagNs,
        long ringReleaseNs,
        long maxConnectionAgeNs,
        long reconnectJitterMs)
    {
    }

    private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;
    private final AgentWakeups.Wakeup commandWakeup = new AgentWakeups.Wakeup();
    private final AgentWakeups.Wakeup eventStreamWakeup;
    private final AgentWakeups.Wakeup replayStreamWakeup;
    private final SubscriberIndex index = new SubscriberIndex();
    private final List<ClientSession> sessions = new ArrayList<>();
    private final List<ClientSession> dirty = new ArrayList<>();
    private final List<ClientSession> slow = new ArrayList<>();
    private final PublishRoutes<ClientSession> publishRoutes = new PublishRoutes<>(
        PUBLISHES_IN_FLIGHT, PublishRoutes.LOST_AFTER_NS_DEFAULT);
    private final List<PollingSession> pollsToAnswer = new ArrayList<>();
    private final LastValueCache lastValues = new LastValueCache();
    private final EncodedEvent encodedEvent = new EncodedEvent();
    private final Consumer<SessionCommand> commandHandler = this::onCommand;
    private final ClientSession.LappedListener lappedListener = this::onLapped;
    private final EventStreamAdapter adapter;
    private final PublishAckListener publishAckListener;
    private final FanOutCounters counters;
    private final BackpressureRules rules;
    private final NanoClock nanoClock;
    private final SessionHousekeeping housekeeping;
    private final CatalogSync catalogSync;
    private final RecentEvents recentEvents;
    private final int recentEventsBytes;
    private final int recentEventsCount;
    private RecentEvents recentText; // the SSE blocks of recent events; allocated for the first SSE connection
    private final ReplayStreamAdapter replayAdapter;
    private final ReplayRequestProxy replayRequestProxy;
    private final ReplayCorrelationIds replayCorrelationIds = new ReplayCorrelationIds();
    private final SessionResumes resumes;
    private final CachedNanoClock clock = new CachedNanoClock();
    private final DeliveryPolicies policies;
    private final SessionSnapshots snapshots;
    private long engineLastSequence;
    private long lastHeardNs;
    private long catalogAnswers;
    private final StreamGapRecovery gapRecovery;
    private long nowNs;
    private long dutyCycleEpochNs;
    private final EpochNanoClock epochClock;
    private final LatencyHistogram publishToFanOut;
    private Thread agentThread;

    public FanOutAgent(
        final Subscription eventSubscription,
        final IngressProxy ingressProxy,
        final PublishAckListener publishAckListener,
        final FanOutCounters counters,
        final BackpressureRules rules,
        final NanoClock nanoClock,
        final EpochNanoClock epochClock,
        final Timeouts timeouts,
        final int commandQueueCapacity,
        final Subscription replaySubscription,
        final ReplayRequestProxy replayRequestProxy,
        final int recentEventsBytes,
        final int recentEventsCount,
        final LatencyHistogram publishToFanOut)
    {
        this.epochClock = epochClock;
        this.publishToFanOut = publishToFanOut;
        this.replayAdapter = null == replaySubscription ? null : new ReplayStreamAdapter(replaySubscription, this);
        this.replayRequestProxy = replayRequestProxy;
        this.recentEvents = new RecentEvents(recentEventsBytes, recentEventsCount);
        this.recentEventsBytes = recentEventsBytes;
        this.recentEventsCount = recentEventsCount;
        this.adapter = new EventStreamAdapter(eventSubscription, this);
        this.publishAckListener = publishAckListener;
        this.counters = counters;
        this.rules = rules;
        this.nanoClock = nanoClock;
        this.commands = new CommandQueue(commandQueueCapacity, commandWakeup);
        this.eventStreamWakeup = null == eventSubscription ? new AgentWakeups.Wakeup() :
            AgentWakeups.forStream(eventSubscription.channel(), eventSubscription.streamId());
        this.replayStreamWakeup = null == replaySubscription ? null :
            AgentWakeups.forStream(replaySubscription.channel(), replaySubscription.streamId());
        this.nowNs = nanoClock.nanoTime();
        this.catalogSync = new CatalogSync(ingressProxy, nowNs);
        final ReplayRequester replayRequester =
            null == replayRequestProxy || null == replaySubscription ? null : this::requestReplay;
        this.gapRecovery = new StreamGapRecovery(adapter, this, replayRequester, replayCorrelationIds, counters);
        this.clock.update(nowNs);
        this.policies = new DeliveryPolicies(lastValues, counters, clock, this::markDirty, slow);
        this.housekeeping = new SessionHousekeeping(
            timeouts, counters, epochClock, this::forget, policies::takeLappedReport);
        this.snapshots = new SessionSnapshots(lastValues, counters, policies, this::forget);
        this.resumes = new SessionResumes(recentEvents, catalogSync, replayRequester, replayCorrelationIds,
            counters, policies);
    }

    public String roleName()
    {
        return "edge-fan-out";
    }

    /**
     * IO threads that queue a command, or that run the sequencer in this process (and so publish events), may run
     * this agent's duty cycle themselves instead of waking its thread.
     */
    void coveredBy(final CallerRunsDutyCycle dutyCycle)
    {
        commandWakeup.coveredBy(dutyCycle);
        eventStreamWakeup.coveredBy(dutyCycle);
    }

    void uncoveredBy(final CallerRunsDutyCycle dutyCycle)
    {
        commandWakeup.uncoveredBy(dutyCycle);
        eventStreamWakeup.uncoveredBy(dutyCycle);
    }

    /**
     * The engine (if in this process) rings when it has published events or replays, IO threads when they queue a
     * command: a parked fan-out wakes at once.
     */
    public void onStart()
    {
        final Thread thread = Thread.currentThread();
        agentThread = thread;
        commandWakeup.register(thread);
        eventStreamWakeup.register(thread);
        if (null != replayStreamWakeup)
        {
            replayStreamWakeup.register(thread);
        }
    }

    public void onClose()
    {
        final Thread thread = agentThread;
        commandWakeup.unregister(thread);
        eventStreamWakeup.unregister(thread);
        if (null != replayStreamWakeup)
        {
            replayStreamWakeup.unregister(thread);
        }
    }

    /**
     * Where IO threads send subscription changes. Offer may fail when full: the caller treats it as overload.
     */
    public ManyToOneConcurrentArrayQueue<SessionCommand> commandQueue()
    {
        return commands;
    }

    /**
     * Declared topics with their last topic sequence seen. Safe from any thread.
     */
    public Collection<TopicSubscribers> declaredTopics()
    {
        return index.declaredTopics();
    }

    /**
     * @return true once the edge is receiving the event stream and knows every topic the engine had declared.
     */
    public boolean isCatalogComplete()
    {
        return catalogSync.isComplete();
    }

    /**
     * Start draining (any thread, once): every connection is closed with 1001 and a reconnect hint at a time of
     * its own spread evenly over {@code windowNs}, so its clients move to a peer edge a few at a time rather than
     * all at once. The hint ({@code retry-after-ms=N}, N random below {@code reconnectJitterMs}) spreads them a
     * little more. Connections that arrive meanwhile are closed the same way.
     */
    public void drain(final long windowNs, final long reconnectJitterMs)
    {
        housekeeping.drain(windowNs, reconnectJitterMs);
    }

    public boolean isEventStreamConnected()
    {
        return adapter.subscription().isConnected();
    }

    /**
     * True while work waits on time rather than on a producer's wake-up: re-sends held by a policy or by a full
     * ring, sessions resuming, a stream gap or the catalog being recovered, a drain under way. The agent's idle
     * strategy then parks short ({@link io.pushengine.codec.DueWorkIdleStrategy}). Fan-out thread.
     */
    /**
     * True while a delivery policy holds something back ({@link #hasWorkDueSoon()}'s part of it). Package-private
     * for tests.
     */
    boolean policiesHoldBack()
    {
        return policies.hasWork();
    }

    public boolean hasWorkDueSoon()
    {
        return policies.hasWork() || resumes.hasWork() || gapRecovery.isRecovering() || housekeeping.isDraining() ||
            !catalogSync.isComplete();
    }

    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        clock.update(nowNs);
        dutyCycleEpochNs = epochClock.nanoTime();
        int work = processCommands();
        if (snapshots.isOpen())
        {
            work++; // a snapshot's commands are still arriving: no live event may come between its markers
        }
        else if (gapRecovery.isRecovering())
        {
            work += gapRecovery.requestReplay(nowNs);
        }
        else
        {
            final int fragments = adapter.poll(FRAGMENT_LIMIT);
            if (fragments > 0)
            {
                lastHeardNs = nowNs;
                work += fragments;
            }
        }
        if (null != replayAdapter)
        {
            final int fragments = replayAdapter.poll(FRAGMENT_LIMIT);
            if (fragments > 0)
            {
                lastHeardNs = nowNs;
                work += fragments;
            }
        }
        work += resumeSessions();
        work += policies.sendPending();
        work += catalogSync.doWork(nowNs, adapter.subscription().isConnected());
        work += housekeeping.doWork(nowNs, sessions, adapter.lastGlobalSequence());
        work += flushDirty();
        final long position = adapter.lastGlobalSequence();
        if (position != counters.streamPosition().getPlain())
        {
            counters.streamPosition().setRelease(position); // once per duty cycle, for readiness and /metrics
            publishToFanOut.flush();
        }
        return work;
    }

    /**
     * The engine is known to have issued {@code sequence} (a catalog answer's position, or an event seen after a
     * gap): readiness waits for the stream to reach it.
     */
    private void engineIssued(final long sequence)
    {
        if (sequence > counters.enginePosition().getPlain())
        {
            counters.enginePosition().setRelease(sequence);
        }
    }

    /**
     * True when the edge has taken, in order, every event the engine is known to have issued (at its last catalog
     * answer, or beyond a gap being recovered): what a load balancer's readiness check wants before sending it clients. Any thread.
     */
    public boolean isCaughtUp()
    {
        return isEventStreamConnected() && isCatalogComplete() &&
            counters.streamPosition().get() >= counters.enginePosition().get();
    }

    /**
     * Apply queued subscription changes. Part of {@link #doWork()}; public for benchmarks that drive the agent
     * without an event stream.
     */
    public int processCommands()
    {
        final int commandCount = commands.drain(commandHandler, COMMAND_LIMIT);
        if (!slow.isEmpty())
        {
            disconnectSlowConsumers();
        }
        return commandCount;
    }

    /**
     * Move resuming sessions on (from the recent window, or by asking the engine for a replay). Part of
     * {@link #doWork()}; public for benchmarks that drive the agent without an event stream.
     */
    public int resumeSessions()
    {
        return resumes.doWork(engineLastSequence, catalogAnswers);
    }

    /**
     * The id the agent's catalog requests carry, which the engine's {@code CatalogComplete} carries back: for
     * benchmarks that drive the agent without an event stream and answer as the engine
     * ({@link #onCatalogComplete}).
     */
    public long catalogCorrelationId()
    {
        return catalogSync.correlationId();
    }

    /**
     * Take the duty cycle's time from the agent's clock and give connections what their policies held back
     * (THROTTLE's latest values when due, CONFLATE's, DROP's gap notices). Part of {@link #doWork()}; public for
     * benchmarks that drive the agent without an event stream.
     */
    public int sendHeldBack()
    {
        nowNs = nanoClock.nanoTime();
        clock.update(nowNs);
        return policies.sendPending();
    }

    /**
     * Signal every connection given something since the last call. Part of {@link #doWork()}; public for benchmarks.
     */
    public int flushDirty()
    {
        final int count = dirty.size();
        for (int i = 0; i < count; i++)
        {
            final ClientSession session = dirty.get(i);
            session.clearPendingFlush();
            if (session instanceof PollingSession poll && poll.isReadyToAnswer())
            {
                pollsToAnswer.add(poll); // answered below: forgetting it changes the dirty list
            }
            else
            {
                session.requestFlush();
            }
        }
        dirty.clear();
        for (int i = 0, size = pollsToAnswer.size(); i < size; i++)
        {
            answerPoll(pollsToAnswer.get(i));
        }
        pollsToAnswer.clear();
        return count;
    }

    // ---------------------------------------------------------------- event stream

    public void onEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
        counters.eventsIn().incrementRelease();
        publishToFanOut.record(dutyCycleEpochNs - event.timestampNs());
        recentEvents.append(event.globalSequence(), buffer, offset, length);
        final TopicSubscribers topic = index.byNumber(event.topic());
        if (null == topic)
        {
            if (null != recentText)
            {
                recentText.appendPlaceholder(event.globalSequence());
            }
            catalogSync.requestAgain();
            return;
        }
        topic.lastTopicSequence(event.topicSequence());
        lastValues.put(topic.number(), event.globalSequence(), buffer, offset, length);
        final EncodedEvent encoded = encodedEvent.wrap(event, topic.name(), buffer, offset, length);
        if (null != recentText)
        {
            appendText(topic, encoded);
        }
        final int size = topic.size();
        if (0 == size)
        {
            return;
        }

        final TopicSubscription[] subscriptions = topic.subscriptions();
        final long[] heldUntilNs = topic.heldUntilNs();
        final boolean anyHeld = topic.hasHeld();
        final long nowNs = clock.nanoTime();
        int delivered = 0;
        int held = 0;
        for (int i = 0; i < size; i++)
        {
            if (anyHeld && 0 != heldUntilNs[i] && heldUntilNs[i] - nowNs > 0)
            {
                held++; // a throttle holds it back: it is owed this topic's latest value when due
                continue;
            }
            final TopicSubscription subscription = subscriptions[i];
            if (subscription.session().isResuming())
            {
                continue; // it will read this event from the recent window, in order after its replay
            }
            if (subscription.session() instanceof PollingSession poll)
            {
                if (offerToPoll(poll, subscription, encoded))
                {
                    delivered++;
                }
                continue;
            }
            if (policies.deliver(subscription, encoded, length))
            {
                delivered++;
            }
        }
        counters.eventsOut().getAndAddRelease(delivered);
        if (held > 0)
        {
            counters.throttled().getAndAddRelease(held);
        }

        if (!slow.isEmpty())
        {
            disconnectSlowConsumers();
        }
    }

    /**
     * The event's SSE block into the text log, rendered once here for every SSE connection and poll that reads it
     * there, or only its place when none takes the topic. Before any delivery, as for the SBE log: a connection
     * that starts reading the log at this event finds it there.
     */
    private void appendText(final TopicSubscribers topic, final EncodedEvent encoded)
    {
        if (topic.textLogReaders() > 0)
        {
            if (null == recentText.topicName(topic.number()))
            {
                recentText.nameTopic(topic.number(), topic.name()); // a dropping SSE reader's gap names it
            }
            recentText.appendText(encoded.globalSequence(), topic.number(), encoded.topicSequence(),
                encoded.timestampNs(), encoded.sseBuffer(), 0, encoded.sseLength(),
                encoded.jsonOffset(), encoded.jsonLength());
        }
        else
        {
            recentText.appendPlaceholder(encoded.globalSequence());
        }
    }

    private RecentEvents recentText()
    {
        if (null == recentText)
        {
            recentText = new RecentEvents(recentEventsBytes, recentEventsCount);
        }
        return recentText;
    }

    public void onTopicDeclared(final int number, final String topicName)
    {
        final TopicSubscribers topic = index.declare(number, topicName);
        final List<WildcardSubscription> wildcards = index.wildcards();
        for (int i = 0, size = wildcards.size(); i < size; i++)
        {
            final WildcardSubscription wildcard = wildcards.get(i);
            if (TopicNames.matchesWildcard(wildcard.pattern(), topicName) && !wildcard.session().isClosed())
            {
                expand(wildcard, topicName); // a new topic under a wildcard: confirmed below with the others
            }
        }
        final TopicSubscription[] subscriptions = topic.subscriptions();
        for (int i = 0, size = topic.size(); i < size; i++)
        {
            final ClientSession session = subscriptions[i].session();
            subscriptionsChanged(session); // its topic has a number now
            // a Subscribe that came before the declaration is confirmed now, with its own correlation id
            final long correlationId = subscriptions[i].takeAwaitedCorrelationId();
            if (session.offerSubscribed(correlationId, number, topic.lastTopicSequence(), topicName))
            {
                session.offered(nowNs);
                markDirty(session);
            }
            else
            {
                slow.add(session); // closed below: forgetting it now would change the array being walked
            }
        }
        disconnectSlowConsumers();
    }

    public void onCatalogComplete(final long correlationId, final long lastGlobalSequence)
    {
        if (catalogSync.onCatalogComplete(correlationId))
        {
            catalogAnswers++;
        }
        engineLastSequence = Math.max(engineLastSequence, lastGlobalSequence);
        engineIssued(engineLastSequence);
        final long seen = adapter.lastGlobalSequence();
        if (0 == seen)
        {
            adapter.advanceTo(lastGlobalSequence); // joined mid-stream: continuity is checked from here
        }
        else if (lastGlobalSequence > seen && !gapRecovery.isRecovering())
        {
            onSequenceGap(seen, lastGlobalSequence + 1); // journaled before this point, never received
        }
    }

    public void onLastValue(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
        final int number = event.topic();
        if (lastValues.putIfNewer(number, event.globalSequence(), buffer, offset, length))
        {
            final TopicSubscribers topic = index.byNumber(number);
            if (null != topic && event.topicSequence() > topic.lastTopicSequence())
            {
                topic.lastTopicSequence(event.topicSequence());
            }
        }
    }

    public boolean onSequenceGap(final long lastSequence, final long nextSequence)
    {
        engineIssued(nextSequence); // the edge is behind until it has it: not ready
        return gapRecovery.onGap(lastSequence, nextSequence);
    }

    /**
     * A cluster member's position while it has nothing to send: what the edge has not seen up to it was sent
     * before the edge joined this member's stream (or lost), and is recovered as any gap.
     */
    public void onStreamHeartbeat(final long lastGlobalSequence)
    {
        engineIssued(lastGlobalSequence);
        final long seen = adapter.lastGlobalSequence();
        if (seen > 0 && lastGlobalSequence > seen && !gapRecovery.isRecovering())
        {
            onSequenceGap(seen, lastGlobalSequence + 1);
        }
    }

    /**
     * When the fan-out last read anything from the event or replay stream (its own clock): a cluster edge moves
     * to another member when its member has been quiet too long (members send heartbeats when idle). Fan-out
     * thread.
     */
    public long lastHeardNs()
    {
        return lastHeardNs;
    }

    public void onDuplicateEvent(final long globalSequence)
    {
        counters.streamDuplicates().incrementRelease();
    }

    /**
     * Read the event and replay streams from these subscriptions from now on: an edge moving to another member of
     * a cluster. Position, catalog and connections carry over; the new member's first message starts a new engine
     * session (catalog learned again, a gap or replay in flight asked of the new member). Fan-out thread.
     */
    public void attach(final Subscription eventSubscription, final Subscription replaySubscription)
    {
        adapter.subscription(eventSubscription);
        if (null != replayAdapter)
        {
            replayAdapter.subscription(replaySubscription);
        }
    }

    public void onEngineSession(final int sessionId)
    {
        LOG.info("event stream now from engine session {}: the engine restarted; learning its catalog again",
            sessionId);
        counters.engineSessions().incrementRelease();
        catalogSync.restart();
        gapRecovery.onEngineRestarted();
        resumes.onEngineRestarted();
    }

    public void onPublishRefused(final long correlationId, final String reason)
    {
        if (PublishRoutes.isRouted(correlationId))
        {
            final ClientSession session = routedSession(correlationId);
            if (null != session)
            {
                answered(session, session.offerPublishFailed(publishRoutes.takenClientCorrelationId(),
                    "the engine refused it: " + reason));
            }
            return;
        }
        publishAckListener.onPublishRefused(correlationId, reason);
    }

    public void onPublishAck(final long correlationId, final long globalSequence, final int topic, final long topicSequence)
    {
        if (PublishRoutes.isRouted(correlationId))
        {
            final ClientSession session = routedSession(correlationId);
            if (null != session)
            {
                answered(session, session.offerPublished(
                    publishRoutes.takenClientCorrelationId(), globalSequence, topic, topicSequence));
            }
            return;
        }
        publishAckListener.onPublishAck(correlationId, globalSequence, adapter.topicName(topic), topicSequence);
    }

    /**
     * The connection a routed publish's answer goes to, its slot freed; null if the publish was another edge's or
     * its connection is gone.
     */
    private ClientSession routedSession(final long correlationId)
    {
        final ClientSession session = publishRoutes.take(correlationId);
        return null != session && session.fanOutIndex() >= 0 ? session : null;
    }

    /**
     * A connection's publish was answered into its ring; a ring too full for the answer is a slow consumer's.
     */
    private void answered(final ClientSession session, final boolean offered)
    {
        if (offered)
        {
            session.offered(nowNs);
            markDirty(session);
        }
        else
        {
            slow.add(session);
            disconnectSlowConsumers();
        }
    }

    /**
     * Where the answers to connections' own publishes go (WebSocket {@code Publish}): claimed by IO threads.
     */
    public PublishRoutes<ClientSession> publishRoutes()
    {
        return publishRoutes;
    }

    public void onMalformedMessage(final int frameCheckResult, final int templateId)
    {
        counters.malformedStreamMessages().incrementRelease();
    }

    // ---------------------------------------------------------------- polls

    /**
     * Polls take every event after their cursor, as many as fit one answer: once one does not fit, the poll is full
     * and takes nothing more (a later, smaller event would jump the cursor over it); its next poll takes the rest.
     */
    private boolean offerToPoll(final PollingSession poll, final TopicSubscription subscription, final EncodedEvent encoded)
    {
        if (poll.isFull())
        {
            return false;
        }
        if (policies.offer(subscription, encoded))
        {
            return true;
        }
        poll.full(poll.lastOfferedSequence());
        markDirty(poll);
        return false;
    }

    /**
     * Fix the poll's cursor, hand its ring to its IO thread and forget it. The cursor is the furthest point up to
     * which every event on the poll's topics is in this answer or was in an earlier one: where a resume has got to,
     * the last event that fitted a full answer, or else where the event stream stands.
     */
    private void answerPoll(final PollingSession poll)
    {
        final long cursor;
        if (poll.isFull())
        {
            cursor = poll.fullCursor();
        }
        else if (poll.isResuming())
        {
            cursor = poll.resumeCursor();
        }
        else
        {
            cursor = Math.max(poll.lastOfferedSequence(), adapter.lastGlobalSequence());
        }
        poll.complete(cursor);
        forget(poll);
        poll.requestFlush();
    }

    // ---------------------------------------------------------------- replays (resumes and stream gaps)

    /**
     * An answer sent before this edge's image of the replay stream joins is lost to it (a member's events channel
     * adds an edge by the edge's status messages, stream by stream): ask only once the replay stream is connected.
     */
    private boolean requestReplay(final long correlationId, final long fromSequence, final long toSequence)
    {
        return replayAdapter.subscription().isConnected() &&
            replayRequestProxy.request(correlationId, fromSequence, toSequence);
    }

    public void onReplayBegin(final long correlationId)
    {
        gapRecovery.onReplayBegin(correlationId);
        resumes.onReplayBegin(correlationId); // clears the resume's target when the replay is not one of its own
    }

    public void onReplayedEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
        if (gapRecovery.isReplayActive())
        {
            gapRecovery.onReplayedEvent(event, buffer, offset, length);
            return;
        }
        resumes.onReplayedEvent(event.globalSequence(), buffer, offset, length);
    }

    public void onReplayEnd(
        final long correlationId, final long lastSequence, final long oldestRetained, final boolean tooOld)
    {
        if (gapRecovery.onReplayEnd(correlationId, oldestRetained))
        {
            return;
        }
        resumes.onReplayEnd(correlationId, oldestRetained, tooOld, engineLastSequence);
    }

    // ---------------------------------------------------------------- commands

    /**
     * A subscription's policy: the topic's rule and what the client asked, per topic (a maximum frequency is a
     * throttle at that rate) or for the connection. A client cannot lift a server throttle, only go below it.
     */
    private DeliveryPolicy subscriptionPolicy(
        final ClientSession session, final String topicName, final SubscriptionOptions options)
    {
        final int maxFrequency = options.maxFrequency();
        final DeliveryPolicy requested = maxFrequency > 0 ?
            DeliveryPolicy.of(BackpressurePolicy.THROTTLE, maxFrequency) : session.requestedPolicy();
        return DeliveryPolicy.resolve(rulePolicy(topicName), requested);
    }

    /**
     * The server's rule for a topic: matched once per topic while it has subscribers and kept on it, not matched
     * (a regular expression per rule) for every subscription, which for polls is every request.
     */
    private DeliveryPolicy rulePolicy(final String topicName)
    {
        final TopicSubscribers topic = index.byName(topicName);
        if (null == topic)
        {
            return rules.policyFor(topicName);
        }
        DeliveryPolicy policy = topic.rulePolicy;
        if (null == policy)
        {
            policy = rules.policyFor(topicName);
            topic.rulePolicy = policy;
        }
        return policy;
    }

    private void updateSubscription(final ClientSession session, final String topicName, final SessionCommand command)
    {
        final TopicSubscription subscription = index.find(session, topicName);
        if (null != subscription && !session.isClosed())
        {
            final BackpressurePolicy previous = subscription.kind();
            subscription.policy(
                subscriptionPolicy(session, topicName, command.options()), command.options().batchWindowMs());
            policies.policyChanged(subscription, previous);
            subscriptionsChanged(session);
            final TopicSubscribers topic = subscription.topic();
            answered(session, session.offerSubscribed(
                command.correlationId(), topic.number(), topic.lastTopicSequence(), topic.name()));
        }
    }

    private void unsubscribe(final ClientSession session, final String topicName)
    {
        if (index.unsubscribe(session, topicName))
        {
            subscriptionsChanged(session);
            counters.subscriptions().getAndAddRelease(-1);
            if (session.subscriptions().isEmpty())
            {
                session.idleSinceNs(nowNs);
            }
        }
    }

    /**
     * A wildcard ({@code prices.*}): every declared topic under it now (confirmed and, if asked, with its current
     * value, as one subscribe each), and every future one as the engine declares it ({@link #onTopicDeclared}).
     */
    private void subscribeWildcard(
        final ClientSession session,
        final String pattern,
        final long correlationId,
        final boolean snapshot,
        final SubscriptionOptions options)
    {
        final WildcardSubscription wildcard = index.addWildcard(session, pattern, options);
        if (null == wildcard)
        {
            return;
        }
        session.idleSinceNs(0);
        for (final TopicSubscribers topic : index.declaredTopics())
        {
            if (TopicNames.matchesWildcard(wildcard.pattern(), topic.name()))
            {
                final TopicSubscription subscription = expand(wildcard, topic.name());
                if (null != subscription)
                {
                    answered(session, session.offerSubscribed(
                        correlationId, topic.number(), topic.lastTopicSequence(), topic.name()));
                    if (snapshot)
                    {
                        snapshots.value(subscription);
                    }
                }
            }
        }
    }

    /**
     * Subscribe a wildcard's connection to one topic under it, unless it has it already.
     */
    private TopicSubscription expand(final WildcardSubscription wildcard, final String topicName)
    {
        final ClientSession session = wildcard.session();
        final SubscriptionOptions options = wildcard.options();
        final TopicSubscription subscription = index.subscribe(
            session, topicName, subscriptionPolicy(session, topicName, options), options.batchWindowMs());
        if (null != subscription)
        {
            wildcard.expanded().add(topicName);
            subscriptionsChanged(session);
            counters.subscriptions().incrementRelease();
        }
        return subscription;
    }

    private void unsubscribeWildcard(final ClientSession session, final String pattern)
    {
        final WildcardSubscription wildcard = index.removeWildcard(session, pattern);
        if (null != wildcard)
        {
            for (final String topicName : wildcard.expanded())
            {
                unsubscribe(session, topicName);
            }
        }
    }

    private void onCommand(final SessionCommand command)
    {
        final ClientSession session = command.session();
        switch (command.type())
        {
            case REGISTER:
                register(session);
                break;

            case SUBSCRIBE:
                subscribe(session, command.topicName(), command.correlationId(), command.snapshot(), command.options());
                break;

            case SNAPSHOT_BEGIN:
                snapshots.begin(session, command.correlationId());
                break;

            case SNAPSHOT_END:
                snapshots.end(session, command.correlationId(), adapter.lastGlobalSequence());
                break;

            case UPDATE_SUBSCRIPTION:
            {
                final WildcardSubscription wildcard = index.wildcard(session, command.topicName());
                if (null != wildcard)
                {
                    wildcard.options(command.options());
                    for (final String topicName : wildcard.expanded())
                    {
                        updateSubscription(session, topicName, command);
                    }
                    break;
                }
                updateSubscription(session, command.topicName(), command);
                break;
            }

            case UNSUBSCRIBE:
                if (TopicNames.isWildcard(command.topicName()))
                {
                    unsubscribeWildcard(session, command.topicName());
                    break;
                }
                unsubscribe(session, command.topicName());
                break;

            case REMOVE:
                forget(session);
                break;

            case LAPPED:
                if (session.fanOutIndex() >= 0)
                {
                    policies.takeLappedReport(session);
                }
                break;


            case RESUME:
                resumes.start(session);
                break;

            case POLL_WAIT:
            case POLL_NOW:
                if (session instanceof PollingSession poll)
                {
                    arm(poll, SessionCommand.Type.POLL_NOW == command.type());
                }
                break;

            case POLL_EXPIRED:
                if (session instanceof PollingSession poll && session.fanOutIndex() >= 0)
                {
                    poll.expire();
                    markDirty(poll);
                }
                break;

            case OPEN_POLL_WAIT:
            case OPEN_POLL_NOW:
                openPoll((PollingSession)session, SessionCommand.Type.OPEN_POLL_NOW == command.type());
                break;
        }
    }

    private void register(final ClientSession session)
    {
        session.fanOutIndex(sessions.size());
        session.openedNs(nowNs);
        sessions.add(session);
        final RecentEvents text = session.readsTextLog() ? recentText() : null; // made for the first reader
        session.attachSharedLog(session.readsSharedLogAsText() ? text : recentEvents, lappedListener);
        if (session instanceof PollingSession poll)
        {
            poll.answerLog(text); // its events wait there for its answer, not in its ring
        }
        if (session.resumeFrom() >= 0)
        {
            session.resuming(true); // live events are held back from now; the replay starts on RESUME
        }
        session.offered(nowNs);
        session.idleSinceNs(nowNs);
        counters.sessions().setRelease(sessions.size());
    }

    private void subscribe(
        final ClientSession session,
        final String topicName,
        final long correlationId,
        final boolean snapshot,
        final SubscriptionOptions options)
    {
        if (session.isClosed() || session.fanOutIndex() < 0)
        {
            return;
        }
        if (TopicNames.isWildcard(topicName))
        {
            subscribeWildcard(session, topicName, correlationId, snapshot, options);
            return;
        }
        final DeliveryPolicy policy = subscriptionPolicy(session, topicName, options);
        final TopicSubscription subscription = index.subscribe(session, topicName, policy, options.batchWindowMs());
        if (null != subscription)
        {
            subscriptionsChanged(session);
            counters.subscriptions().incrementRelease();
            session.idleSinceNs(0);
            final TopicSubscribers topic = subscription.topic();
            if (topic.number() != 0)
            {
                answered(session, session.offerSubscribed(
                    correlationId, topic.number(), topic.lastTopicSequence(), topic.name()));
            }
            else
            {
                subscription.awaitingDeclaration(correlationId); // confirmed when declared
            }
            if (snapshot)
            {
                snapshots.value(subscription);
            }
        }
    }

    /**
     * A poll as one command: registered, subscribed to the topics of its request (after their current values if it
     * asked for them), resumed if it came with a cursor, and armed; what a streaming connection's first commands do,
     * in the same order.
     */
    private void openPoll(final PollingSession poll, final boolean now)
    {
        register(poll);
        final ConnectionOptions options = poll.requestOptions();
        final List<String> topics = options.topics();
        final boolean snapshot = options.startsWithSnapshot();
        if (snapshot)
        {
            snapshots.begin(poll, 0);
        }
        for (int i = 0, size = topics.size(); i < size; i++)
        {
            final String topic = topics.get(i);
            subscribe(poll, topic, 0, snapshot, options.subscriptionOptions(topic));
        }
        if (snapshot)
        {
            snapshots.end(poll, 0, adapter.lastGlobalSequence());
        }
        if (options.resumeFrom() >= 0)
        {
            resumes.start(poll);
        }
        arm(poll, now);
    }

    /**
     * A registered poll waits for its answer from now (long-poll), or is answered once caught up (short-poll).
     */
    private void arm(final PollingSession poll, final boolean now)
    {
        if (poll.fanOutIndex() >= 0)
        {
            poll.arm(now);
            markDirty(poll); // the flush decides whether it is answered now
        }
    }

    /**
     * The cached value of the subscription's topic, as part of a snapshot. Sent in the duty cycle that made the
     * subscription live, so the next event of the topic it is given is the one after this value.
     */
    /**
     * Drop every trace of a session: its subscriptions, pending work and ring.
     */
    private void forget(final ClientSession session)
    {
        final int position = session.fanOutIndex();
        if (position < 0)
        {
            return;
        }
        snapshots.closed(session); // closed mid-snapshot: its end will not come
        final int last = sessions.size() - 1;
        final ClientSession moved = sessions.get(last);
        sessions.set(position, moved);
        moved.fanOutIndex(position);
        sessions.remove(last);
        session.fanOutIndex(-1);
        counters.subscriptions().getAndAddRelease(-session.subscriptions().size());
        index.removeSession(session);
        if (session.hasPendingFlush())
        {
            dirty.remove(session); // only then is it in the list: no search of it per forgotten session
        }
        policies.remove(session);
        session.clearPendingSubscriptions();
        resumes.remove(session);
        session.releaseRing();
        counters.sessions().setRelease(sessions.size());
    }

    private void markDirty(final ClientSession session)
    {
        if (session.markPendingFlush())
        {
            dirty.add(session);
        }
    }

    /**
     * A session's subscriptions changed: its shared-log segment ends (a connection whose segment's end does not fit
     * is closed as too slow; room for it is kept from the segment's start, so this is not expected).
     */
    private void subscriptionsChanged(final ClientSession session)
    {
        if (!session.subscriptionsChanged())
        {
            slow.add(session);
        }
    }

    private void disconnectSlowConsumers()
    {
        for (int i = 0, size = slow.size(); i < size; i++)
        {
            final ClientSession session = slow.get(i);
            if (session.fanOutIndex() >= 0)
            {
                final int buffered = session.bufferedBytes();
                final long lastSequence = session.lastOfferedSequence();
                forget(session);
                counters.slowConsumerDisconnects().increment(); // IO threads count here too
                session.requestClose(CloseCodes.TRY_AGAIN_LATER,
                    "slow consumer: fell " + buffered + " bytes behind; reconnect with from=" + lastSequence);
            }
        }
        slow.clear();
    }

    /**
     * A conflating connection's IO thread left a report of what its cursor skipped: act on it at the next duty cycle.
     * IO threads; with the command queue full, the housekeeping pass takes it.
     */
    private void onLapped(final ClientSession session)
    {
        commands.offer(SessionCommand.lapped(session));
    }

    /**
     * The fan-out's command queue: a command offered rings the fan-out awake.
     */
    private static final class CommandQueue extends ManyToOneConcurrentArrayQueue<SessionCommand>
    {
        private final AgentWakeups.Wakeup wakeup;

        CommandQueue(final int capacity, final AgentWakeups.Wakeup wakeup)
        {
            super(capacity);
            this.wakeup = wakeup;
        }

        public boolean offer(final SessionCommand command)
        {
            if (super.offer(command))
            {
                wakeup.wake();
                return true;
            }
            return false;
        }
    }
}
