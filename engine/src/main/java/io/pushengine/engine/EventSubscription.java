package io.pushengine.engine;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.pushengine.codec.AgentWakeups;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.stream.CatalogSync;
import io.pushengine.codec.stream.EventStreamAdapter;
import io.pushengine.codec.stream.EventStreamListener;
import io.pushengine.codec.stream.IngressProxy;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An in-process subscriber to the event stream: the fan-out without HTTP, for users who embed the engine. Fed from
 * Aeron exactly as an edge is, from the live position when it joins. Runs as an {@link Agent} on its own thread
 * when created by {@link PushEngine#subscribe}; close it to stop.
 */
public final class EventSubscription implements Agent, EventStreamListener, AutoCloseable
{
    private static final int FRAGMENT_LIMIT = 256;

    private final UnsafeBuffer payloadView = new UnsafeBuffer(0, 0);
    private final Subscription subscription;
    private final Publication ingressPublication;
    private final EventStreamAdapter adapter;
    private final EventHandler handler;
    private final CatalogSync catalogSync;
    private final AgentWakeups.Wakeup eventStreamWakeup;
    private Thread agentThread;
    private Runnable closeAction;

    EventSubscription(
        final Aeron aeron,
        final String eventsChannel,
        final int eventsStreamId,
        final String ingressChannel,
        final int ingressStreamId,
        final EventHandler handler)
    {
        this.handler = handler;
        this.subscription = aeron.addSubscription(eventsChannel, eventsStreamId);
        this.ingressPublication = aeron.addPublication(ingressChannel, ingressStreamId);
        this.catalogSync = new CatalogSync(new IngressProxy(ingressPublication), System.nanoTime());
        this.adapter = new EventStreamAdapter(subscription, this);
        this.eventStreamWakeup = AgentWakeups.forStream(eventsChannel, eventsStreamId);
    }

    void closeAction(final Runnable closeAction)
    {
        this.closeAction = closeAction;
    }

    public String roleName()
    {
        return "event-subscription";
    }

    public void onStart()
    {
        agentThread = Thread.currentThread();
        eventStreamWakeup.register(agentThread); // the sequencer in this process rings it for each event
    }

    /**
     * True until the catalog is complete: its request is retried by time.
     */
    public boolean hasWorkDueSoon()
    {
        return !catalogSync.isComplete();
    }

    public int doWork()
    {
        return catalogSync.doWork(System.nanoTime(), subscription.isConnected()) + adapter.poll(FRAGMENT_LIMIT);
    }

    /**
     * @return true once the subscription has joined the event stream and knows every topic declared before it.
     */
    public boolean isConnected()
    {
        return catalogSync.isComplete() && subscription.isConnected();
    }

    public void onCatalogComplete(final long correlationId, final long lastGlobalSequence)
    {
        catalogSync.onCatalogComplete(correlationId);
    }

    public void onEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
    {
        final long globalSequence = event.globalSequence();
        final int topic = event.topic();
        final long topicSequence = event.topicSequence();
        final long timestampNs = event.timestampNs();
        final int payloadLength = event.payloadLength();
        final int payloadOffset = event.limit() + EventDecoder.payloadHeaderLength();
        payloadView.wrap(buffer, payloadOffset, payloadLength);
        handler.onEvent(
            globalSequence,
            adapter.topicName(topic),
            topicSequence,
            timestampNs,
            event.payloadType(),
            payloadView,
            0,
            payloadLength);
    }

    public void onTopicDeclared(final int topic, final String topicName)
    {
    }

    public void onClose()
    {
        if (null != agentThread)
        {
            eventStreamWakeup.unregister(agentThread);
        }
        CloseHelper.closeAll(subscription, ingressPublication);
    }

    /**
     * Stop the subscription's thread and release its Aeron resources.
     */
    public void close()
    {
        if (null != closeAction)
        {
            closeAction.run();
        }
        else
        {
            onClose();
        }
    }

}
