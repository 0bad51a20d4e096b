package io.pushengine.edge.cluster;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.exceptions.AeronException;
import io.aeron.logbuffer.Header;
import io.aeron.security.CredentialsSupplier;
import io.pushengine.client.ClusterPublisher;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PublishAckDecoder;
import io.pushengine.codec.sbe.PublishRefusedDecoder;
import io.pushengine.codec.stream.EventStreamListener;
import io.pushengine.codec.stream.IngressSink;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * An edge's publishes to a replicated sequencer: a session with the cluster's ingress (the {@link AeronCluster}
 * client, which follows the leader across elections), opened without blocking and opened again when lost. The
 * edge's HTTP and WebSocket publish paths offer to it from their IO threads ({@link IngressSink}, through an
 * {@code IngressProxy}); the leader's answers ({@code PublishAck}, {@code PublishRefused}) come back on the
 * session's egress, read by {@link #doWork} on the fan-out thread and passed to the same listener methods the
 * single engine's acks on the event stream reach. The client is not thread-safe: every call to it is made under
 * this object's lock (uncontended but for publishes racing the fan-out's poll).
 */
public final class ClusterIngress implements IngressSink, EgressListener, AutoCloseable
{
    static final long RECONNECT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    static final long KEEP_ALIVE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(ClusterIngress.class);

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final PublishAckDecoder ackDecoder = new PublishAckDecoder();
    private final PublishRefusedDecoder refusedDecoder = new PublishRefusedDecoder();
    private final Aeron aeron;
    private final String ingressEndpoints;
    private final String egressChannel;
    private final CredentialsSupplier credentials;
    private String lastConnectFailure;
    private AtomicCounter sessionsOpened;
    private EventStreamListener listener;
    private AeronCluster cluster;
    private AeronCluster.AsyncConnect connecting;
    private long nextConnectNs;
    private long nextKeepAliveNs;
    private boolean closed;
    private boolean expired;

    /**
     * @param aeron            the edge's Aeron client (not closed by this).
     * @param ingressEndpoints {@code id=host:port,...} of every member.
     * @param egressChannel    where the leader answers: {@code aeron:udp?endpoint=<this host>:0}.
     * @param token            the edge's JWT for a cluster whose ingress requires one; null for none.
     */
    public ClusterIngress(
        final Aeron aeron, final String ingressEndpoints, final String egressChannel, final String token)
    {
        this.aeron = aeron;
        this.ingressEndpoints = ingressEndpoints;
        this.egressChannel = egressChannel;
        this.credentials = ClusterPublisher.credentialsOf(token);
    }

    /**
     * Where answers go and what is counted; set once by the fan-out before its first duty cycle.
     */
    public synchronized void bind(final EventStreamListener listener, final AtomicCounter sessionsOpened)
    {
        this.listener = listener;
        this.sessionsOpened = sessionsOpened;
    }

    public synchronized long offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (null == cluster)
        {
            return Publication.NOT_CONNECTED;
        }
        try
        {
            return cluster.offer(buffer, offset, length);
        }
        catch (final AeronException ex)
        {
            return Publication.NOT_CONNECTED;
        }
    }

    public synchronized boolean isConnected()
    {
        return null != cluster && !cluster.isClosed() && cluster.ingressPublication().isConnected();
    }

    /**
     * @return the member that leads, as last told by the cluster; -1 without a session.
     */
    public synchronized int leaderMemberId()
    {
        return null == cluster || cluster.isClosed() ? -1 : cluster.leaderMemberId();
    }

    /**
     * Open the session (a step at a time), read the leader's answers, keep the session alive. Fan-out thread.
     */
    public synchronized int doWork(final long nowNs)
    {
        if (closed)
        {
            return 0;
        }
        if (null == cluster)
        {
            return connect(nowNs);
        }
        int work = 0;
        try
        {
            work += cluster.pollEgress();
            if (nowNs - nextKeepAliveNs >= 0)
            {
                nextKeepAliveNs = nowNs + KEEP_ALIVE_INTERVAL_NS;
                cluster.sendKeepAlive();
            }
        }
        catch (final AeronException ex)
        {
            LOG.warn("cluster session lost ({}): opening another", ex.getMessage());
            CloseHelper.quietClose(cluster);
            cluster = null;
        }
        if (null != cluster && cluster.isClosed())
        {
            LOG.warn("cluster session closed by the cluster: opening another");
            cluster = null;
        }
        if (expired && null != cluster)
        {
            LOG.warn("the cluster says this edge's ingress token expired: opening a new session");
            CloseHelper.quietClose(cluster);
            cluster = null;
        }
        expired = false;
        return work;
    }

    private int connect(final long nowNs)
    {
        if (null == connecting)
        {
            if (nowNs - nextConnectNs < 0)
            {
                return 0;
            }
            nextConnectNs = nowNs + RECONNECT_INTERVAL_NS;
            connecting = AeronCluster.asyncConnect(new AeronCluster.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .ingressChannel("aeron:udp")
                .ingressEndpoints(ingressEndpoints)
                .egressChannel(egressChannel)
                .credentialsSupplier(credentials)
                .egressListener(this));
        }
        try
        {
            final AeronCluster connected = connecting.poll();
            if (null == connected)
            {
                return 0;
            }
            connecting = null;
            cluster = connected;
            nextKeepAliveNs = nowNs + KEEP_ALIVE_INTERVAL_NS;
            if (null != sessionsOpened)
            {
                sessionsOpened.incrementRelease();
            }
            LOG.info("cluster session {} open, leader member {}", connected.clusterSessionId(),
                connected.leaderMemberId());
            lastConnectFailure = null;
            return 1;
        }
        catch (final AeronException ex)
        {
            // no leader answered in time (an election, or the cluster is down), or the token was rejected: try
            // again after the interval; say so once per kind of failure
            CloseHelper.quietClose(connecting);
            connecting = null;
            final String failure = ex.getClass().getSimpleName() + ": " + ex.getMessage();
            if (!failure.equals(lastConnectFailure))
            {
                lastConnectFailure = failure;
                LOG.warn("no session with the cluster's ingress yet ({}): publishes are answered 503 until one " +
                    "opens", failure);
            }
            return 0;
        }
    }

    public void onMessage(
        final long clusterSessionId,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        if (null == listener || FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length))
        {
            return;
        }
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        if (PublishAckDecoder.TEMPLATE_ID == headerDecoder.templateId())
        {
            ackDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
            listener.onPublishAck(
                ackDecoder.correlationId(), ackDecoder.globalSequence(), ackDecoder.topic(), ackDecoder.topicSequence());
        }
        else if (PublishRefusedDecoder.TEMPLATE_ID == headerDecoder.templateId())
        {
            refusedDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
            final long correlationId = refusedDecoder.correlationId();
            final String reason = refusedDecoder.reason();
            listener.onPublishRefused(correlationId, reason);
            if (reason.startsWith("ingress token expired"))
            {
                expired = true; // the token is checked at connect: a new session presents the current one
            }
        }
    }

    public synchronized void close()
    {
        closed = true;
        CloseHelper.quietCloseAll(connecting, cluster);
        connecting = null;
        cluster = null;
    }
}
