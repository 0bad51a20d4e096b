package io.pushengine.edge.cluster;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.pushengine.codec.ClusterLayout;
import io.pushengine.codec.ProtocolDefaults;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.codec.stream.ReplayRequestProxy;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An edge in front of a replicated sequencer follows one member at a time: it reads that member's event and
 * replay streams and sends it its catalog and replay requests, exactly as it would a single engine. Every member
 * applies the same committed log, so any member's stream carries the same events with the same sequences. When
 * the member goes quiet (no event, answer or heartbeat for {@code memberTimeoutNs}: killed, partitioned, or never
 * there), the edge moves to the next member in id order: its connections stay open; the new member's first message
 * starts a new engine session for the fan-out (catalog learned again, a replay in flight asked again), events the
 * new member sends that the edge already has are dropped as duplicates, and what it journaled before the edge
 * joined is recovered from its journal as any gap. Publishes do not depend on the member followed: they go
 * through the cluster's ingress ({@link ClusterIngress}), whose session this agent also drives.
 * <p>
 * Runs on the fan-out's thread, composed with the fan-out agent ({@link MemberStreamReader}).
 */
public final class ClusterAttachment implements Agent, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterAttachment.class);

    private final Aeron aeron;
    private final ClusterLayout layout;
    private final String localHost;
    private final long memberTimeoutNs;
    private final NanoClock clock;
    private final ClusterIngress ingress;
    private final AtomicCounter memberCounter;
    private final AtomicCounter switches;
    private MemberStreamReader agent;
    private IngressProxy catalogRequests;
    private ReplayRequestProxy replayRequests;
    private int memberId;
    private long attachedNs;
    private Subscription eventSubscription;
    private Subscription replaySubscription;
    private Publication requestPublication;
    private Publication replayRequestPublication;

    /**
     * Attaches to {@code firstMemberId} at once (its streams are what the fan-out is built on).
     *
     * @param localHost an address of this host the members can send to.
     * @param ingress   the edge's cluster session for publishes, driven from this agent's duty cycle; may be null.
     */
    public ClusterAttachment(
        final Aeron aeron,
        final ClusterLayout layout,
        final String localHost,
        final int firstMemberId,
        final long memberTimeoutNs,
        final NanoClock clock,
        final ClusterIngress ingress,
        final AtomicCounter memberCounter,
        final AtomicCounter switches)
    {
        this.aeron = aeron;
        this.layout = layout;
        this.localHost = localHost;
        this.memberTimeoutNs = memberTimeoutNs;
        this.clock = clock;
        this.ingress = ingress;
        this.memberCounter = memberCounter;
        this.switches = switches;
        open(firstMemberId);
    }

    /**
     * The fan-out built on this attachment's streams, and the proxies it sends its requests through: pointed at
     * each new member in turn. Before the first duty cycle.
     */
    public void bind(
        final MemberStreamReader agent, final IngressProxy catalogRequests, final ReplayRequestProxy replayRequests)
    {
        this.agent = agent;
        this.catalogRequests = catalogRequests;
        this.replayRequests = replayRequests;
    }

    public String roleName()
    {
        return "edge-cluster-attachment";
    }

    public int memberId()
    {
        return memberId;
    }

    public Subscription eventSubscription()
    {
        return eventSubscription;
    }

    public Subscription replaySubscription()
    {
        return replaySubscription;
    }

    public Publication requestPublication()
    {
        return requestPublication;
    }

    public Publication replayRequestPublication()
    {
        return replayRequestPublication;
    }

    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        int work = null != ingress ? ingress.doWork(nowNs) : 0;
        final long lastHeardNs = Math.max(agent.lastHeardNs(), attachedNs);
        if (nowNs - lastHeardNs > memberTimeoutNs)
        {
            moveTo((memberId + 1) % layout.memberCount(), nowNs - lastHeardNs);
            work++;
        }
        return work;
    }

    private void moveTo(final int nextMemberId, final long quietNs)
    {
        LOG.warn("cluster member {} quiet for {} ms: following member {} instead", memberId, quietNs / 1_000_000,
            nextMemberId);
        final Subscription oldEvents = eventSubscription;
        final Subscription oldReplays = replaySubscription;
        final Publication oldRequests = requestPublication;
        final Publication oldReplayRequests = replayRequestPublication;
        open(nextMemberId);
        agent.attach(eventSubscription, replaySubscription);
        catalogRequests.publication(requestPublication);
        replayRequests.publication(replayRequestPublication);
        switches.incrementRelease();
        CloseHelper.quietCloseAll(oldEvents, oldReplays, oldRequests, oldReplayRequests);
    }

    private void open(final int memberId)
    {
        final String events = layout.edgeEventsSubscriptionChannel(memberId, localHost);
        final String requests = layout.edgeRequestsChannel(memberId);
        this.eventSubscription = aeron.addSubscription(events, ProtocolDefaults.EVENTS_STREAM_ID);
        this.replaySubscription = aeron.addSubscription(events, ProtocolDefaults.REPLAY_STREAM_ID);
        this.requestPublication = aeron.addExclusivePublication(requests, ProtocolDefaults.INGRESS_STREAM_ID);
        this.replayRequestPublication = aeron.addExclusivePublication(
            requests, ProtocolDefaults.REPLAY_REQUEST_STREAM_ID);
        this.memberId = memberId;
        this.attachedNs = clock.nanoTime();
        memberCounter.setRelease(memberId);
    }

    public void close()
    {
        CloseHelper.quietCloseAll(eventSubscription, replaySubscription, requestPublication, replayRequestPublication);
    }
}
