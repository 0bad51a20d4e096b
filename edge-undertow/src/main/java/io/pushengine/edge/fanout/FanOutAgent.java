package io.pushengine.edge.fanout;

import io.aeron.Subscription;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.edge.backpressure.BackpressurePolicy;
import org.agrona.collections.IntHashSet;
import io.pushengine.codec.stream.CatalogSync;
import io.pushengine.codec.stream.EventStreamAdapter;
import io.pushengine.codec.stream.EventStreamListener;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.EncodedEvent;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The edge's single writer: reads the engine's event stream from Aeron and copies each event into the outbound
 * ring of every connection subscribed to its topic, then signals each touched connection's IO thread once per duty
 * cycle. Owns the subscriber index; IO threads change it only through {@link #commandQueue()}.
 * <p>
 * Also: keeps the topic catalog in sync with the engine (asks for it on start and when an unknown topic appears),
 * queues heartbeats to idle connections, and passes publish acknowledgements to the HTTP ingress.
 */
public final class FanOutAgent implements Agent, EventStreamListener
{
    private static final int FRAGMENT_LIMIT = 256;
    private static final int COMMAND_LIMIT = 1024;

    private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;
    private final SubscriberIndex index = new SubscriberIndex();
    private final List<ClientSession> sessions = new ArrayList<>();
    private final List<ClientSession> dirty = new ArrayList<>();
    private final List<ClientSession> slow = new ArrayList<>();
    private final List<ClientSession> lagging = new ArrayList<>();
    private final LastValueCache lastValues = new LastValueCache();
    private final MessageHeaderDecoder lastValueHeaderDecoder = new MessageHeaderDecoder();
    private final EventDecoder lastValueDecoder = new EventDecoder();
    private final EncodedEvent encodedEvent = new EncodedEvent();
    private final Consumer<SessionCommand> commandHandler = this::onCommand;
    private final EventStreamAdapter adapter;
    private final PublishAckListener publishAckListener;
    private final FanOutCounters counters;
    private final NanoClock nanoClock;
    private final EpochNanoClock epochClock;
    private final long heartbeatIntervalNs;
    private final CatalogSync catalogSync;
    private long nextHeartbeatCheckNs;
    private long nowNs;

    public FanOutAgent(
        final Subscription eventSubscription,
        final IngressProxy ingressProxy,
        final PublishAckListener publishAckListener,
        final FanOutCounters counters,
        final NanoClock nanoClock,
        final EpochNanoClock epochClock,
        final long heartbeatIntervalNs,
        final int commandQueueCapacity)
    {
        this.adapter = new EventStreamAdapter(eventSubscription, this);
        this.publishAckListener = publishAckListener;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.epochClock = epochClock;
        this.heartbeatIntervalNs = heartbeatIntervalNs;
        this.commands = new ManyToOneConcurrentArrayQueue<>(commandQueueCapacity);
        this.nowNs = nanoClock.nanoTime();
        this.catalogSync = new CatalogSync(ingressProxy, nowNs);
    }

    public String roleName()
    {
        return "edge-fan-out";
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
    public java.util.Collection<TopicSubscribers> declaredTopics()
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

    public boolean isEventStreamConnected()
    {
        return adapter.subscription().isConnected();
    }

    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int work = commands.drain(commandHandler, COMMAND_LIMIT);
        work += adapter.poll(FRAGMENT_LIMIT);
        work += catchUpLagging();
        work += catalogSync.doWork(nowNs, adapter.subscription().isConnected());
        work += heartbeats();
        work += flushDirty();
        return work;
    }

    // ---------------------------------------------------------------- event stream

    public void onEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
        counters.eventsIn().incrementRelease();
        final TopicSubscribers topic = index.byNumber(event.topic());
        if (null == topic)
        {
            catalogSync.requestAgain();
            return;
        }
        final long topicSequence = event.topicSequence();
        topic.lastTopicSequence(topicSequence);
        lastValues.put(topic.number(), buffer, offset, length);
        final int size = topic.size();
        if (0 == size)
        {
            return;
        }

        final EncodedEvent encoded = encodedEvent.wrap(event, topic.name(), buffer, offset, length);
        final long globalSequence = encoded.globalSequence();
        final ClientSession[] subscribers = topic.sessions();
        int delivered = 0;
        for (int i = 0; i < size; i++)
        {
            final ClientSession session = subscribers[i];
            if (session.isLagging())
            {
                session.conflate(topic.number());
                counters.conflated().incrementRelease();
            }
            else if (session.offerEvent(encoded))
            {
                session.lastOfferedSequence(globalSequence);
                session.lastOfferNs(nowNs);
                markDirty(session);
                delivered++;
            }
            else if (session.policy() == BackpressurePolicy.CONFLATE)
            {
                session.conflate(topic.number());
                lagging.add(session);
                counters.conflated().incrementRelease();
            }
            else
            {
                slow.add(session);
            }
        }
        counters.eventsOut().getAndAddRelease(delivered);

        if (!slow.isEmpty())
        {
            disconnectSlowConsumers();
        }
    }

    public void onTopicDeclared(final int number, final String topicName)
    {
        final TopicSubscribers topic = index.declare(number, topicName);
        final ClientSession[] subscribers = topic.sessions();
        for (int i = 0, size = topic.size(); i < size; i++)
        {
            final ClientSession session = subscribers[i];
            if (session.offerSubscribed(0, number, topic.lastTopicSequence(), topicName))
            {
                markDirty(session);
            }
        }
    }

    public void onCatalogComplete(final long correlationId, final long lastGlobalSequence)
    {
        catalogSync.onCatalogComplete(correlationId);
    }

    public void onPublishAck(final long correlationId, final long globalSequence, final int topic, final long topicSequence)
    {
        publishAckListener.onPublishAck(correlationId, globalSequence, adapter.topicName(topic), topicSequence);
    }

    public void onMalformedMessage(final int frameCheckResult, final int templateId)
    {
        counters.malformedStreamMessages().incrementRelease();
    }

    // ---------------------------------------------------------------- duties

    private void onCommand(final SessionCommand command)
    {
        final ClientSession session = command.session();
        switch (command.type())
        {
            case REGISTER:
                sessions.add(session);
                session.lastOfferNs(nowNs);
                break;

            case SUBSCRIBE:
            {
                if (session.isClosed())
                {
                    break;
                }
                index.subscribe(session, command.topicName());
                final TopicSubscribers topic = index.byName(command.topicName());
                if (topic.number() != 0 && session.offerSubscribed(
                    command.correlationId(), topic.number(), topic.lastTopicSequence(), topic.name()))
                {
                    markDirty(session);
                }
                break;
            }

            case UNSUBSCRIBE:
                index.unsubscribe(session, command.topicName());
                break;

            case REMOVE:
                index.removeSession(session);
                sessions.remove(session);
                dirty.remove(session);
                lagging.remove(session);
                break;
        }
    }

    /**
     * Send lagging CONFLATE connections the latest value of each topic they missed, as far as their rings allow.
     */
    private int catchUpLagging()
    {
        int work = 0;
        for (int i = lagging.size() - 1; i >= 0; i--)
        {
            final ClientSession session = lagging.get(i);
            final IntHashSet.IntIterator topics = session.conflatedTopics().iterator();
            while (topics.hasNext())
            {
                final int number = topics.nextValue();
                final LastValueCache.Entry lastValue = lastValues.get(number);
                final TopicSubscribers topic = index.byNumber(number);
                if (null != lastValue && null != topic)
                {
                    lastValueDecoder.wrapAndApplyHeader(lastValue.buffer, 0, lastValueHeaderDecoder);
                    final EncodedEvent encoded = encodedEvent.wrap(
                        lastValueDecoder, topic.name(), lastValue.buffer, 0, lastValue.length);
                    if (!session.offerEvent(encoded))
                    {
                        break;
                    }
                    session.lastOfferedSequence(Math.max(session.lastOfferedSequence(), encoded.globalSequence()));
                    session.lastOfferNs(nowNs);
                    markDirty(session);
                    work++;
                }
                topics.remove();
            }
            if (session.conflatedTopics().isEmpty())
            {
                session.caughtUp();
                lagging.remove(i);
            }
        }
        return work;
    }

    private int heartbeats()
    {
        if (nowNs - nextHeartbeatCheckNs < 0)
        {
            return 0;
        }
        nextHeartbeatCheckNs = nowNs + Math.max(1_000_000L, heartbeatIntervalNs / 4);
        final long epochNs = epochClock.nanoTime();
        int work = 0;
        for (int i = 0, size = sessions.size(); i < size; i++)
        {
            final ClientSession session = sessions.get(i);
            if (nowNs - session.lastOfferNs() >= heartbeatIntervalNs &&
                session.offerHeartbeat(epochNs, adapter.lastGlobalSequence()))
            {
                session.lastOfferNs(nowNs);
                markDirty(session);
                counters.heartbeatsSent().incrementRelease();
                work++;
            }
        }
        return work;
    }

    private void markDirty(final ClientSession session)
    {
        if (session.markPendingFlush())
        {
            dirty.add(session);
        }
    }

    private int flushDirty()
    {
        final int count = dirty.size();
        for (int i = 0; i < count; i++)
        {
            final ClientSession session = dirty.get(i);
            session.clearPendingFlush();
            session.requestFlush();
        }
        dirty.clear();
        return count;
    }

    private void disconnectSlowConsumers()
    {
        for (int i = 0, size = slow.size(); i < size; i++)
        {
            final ClientSession session = slow.get(i);
            index.removeSession(session);
            sessions.remove(session);
            dirty.remove(session);
            lagging.remove(session);
            counters.slowConsumerDisconnects().incrementRelease();
            session.closeAsSlowConsumer(session.lastOfferedSequence());
        }
        slow.clear();
    }
}
