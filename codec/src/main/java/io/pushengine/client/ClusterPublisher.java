package io.pushengine.client;

import io.aeron.Publication;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.exceptions.AeronException;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PublishAckDecoder;
import io.pushengine.codec.sbe.PublishRefusedDecoder;
import io.pushengine.codec.sbe.PublishRequestEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Publishes to a replicated sequencer (a cluster of {@code ClusterNode}s, the {@code cluster-node} role) through Aeron Cluster's ingress, and
 * follows its leader: when the leader dies the cluster elects another and this publisher's session carries on
 * with it; when the session itself is lost (the cluster was unreachable for longer than its session timeout) the
 * next publish opens a new one.
 * <pre>{@code
 * try (ClusterPublisher publisher = ClusterPublisher.connect(new ClusterPublisher.Context()
 *     .aeronDirectoryName(dir)                                   // a media driver on this host
 *     .ingressEndpoints("0=host0:20002,1=host1:20102,2=host2:20202")))
 * {
 *     long sequence = publisher.publish("orders.fills", PayloadType.JSON, buffer, 0, length);
 * }
 * }</pre>
 * The contract of {@link #publish}: a non-negative answer is the event's global sequence, given once a majority
 * of the members have the request in their log and the answering leader has journaled it; nothing acknowledged
 * is lost while a majority survives. {@link PublishResult#TIMED_OUT} means unknown: the request may or may not
 * be committed (a leader can die after committing and before answering), so a publisher that retries one may
 * see it twice: put an idempotency key in the payload where that matters. Not thread-safe.
 */
public final class ClusterPublisher implements AutoCloseable, EgressListener
{
    /**
     * Where the cluster is and how long to wait.
     */
    public static final class Context
    {
        private String aeronDirectoryName;
        private String ingressEndpoints;
        private String egressChannel = "aeron:udp?endpoint=localhost:0";
        private long publishTimeoutMs = 10_000;
        private String token;
        private IdleStrategy idleStrategy =
            new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(200));

        public Context aeronDirectoryName(final String aeronDirectoryName)
        {
            this.aeronDirectoryName = aeronDirectoryName;
            return this;
        }

        /**
         * {@code id=host:port,...} of every member ({@code ClusterNode.Context#ingressEndpoints()}, {@code ClusterLayout#ingressEndpoints()}).
         */
        public Context ingressEndpoints(final String ingressEndpoints)
        {
            this.ingressEndpoints = ingressEndpoints;
            return this;
        }

        /**
         * Where the leader answers: an endpoint of this host the members can reach ({@code host:0} for any port).
         */
        public Context egressChannel(final String egressChannel)
        {
            this.egressChannel = egressChannel;
            return this;
        }

        /**
         * How long {@link #publish} waits for an answer, an election included (the members' leader heartbeat
         * timeout plus the election).
         */
        public Context publishTimeoutMs(final long publishTimeoutMs)
        {
            this.publishTimeoutMs = publishTimeoutMs;
            return this;
        }

        /**
         * A JWT for a cluster whose ingress requires one ({@code push.ingress.jwt.secret} on the members): presented
         * when a session connects; its {@code pub_topics} bound what this publisher may publish. A session whose
         * token expires is refused ({@link PublishResult#REJECTED}, "ingress token expired"): connect again with a
         * fresh one.
         */
        public Context token(final String token)
        {
            this.token = token;
            return this;
        }

        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        public String ingressEndpoints()
        {
            return ingressEndpoints;
        }

        public Context conclude()
        {
            if (null == ingressEndpoints || ingressEndpoints.isBlank())
            {
                throw new IllegalArgumentException("ingressEndpoints: id=host:port of every cluster member, e.g. " +
                    "0=host0:20002,1=host1:20102,2=host2:20202");
            }
            return this;
        }
    }

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final PublishRequestEncoder requestEncoder = new PublishRequestEncoder();
    private final PublishAckDecoder ackDecoder = new PublishAckDecoder();
    private final PublishRefusedDecoder refusedDecoder = new PublishRefusedDecoder();
    private final ExpandableArrayBuffer requestBuffer = new ExpandableArrayBuffer(256);
    private long lastTopicSequence;
    private final Context ctx;
    private AeronCluster cluster;
    private long nextCorrelationId = 1;
    private long awaitedCorrelationId;
    private long answer;
    private String lastRefusal;
    private int leaderMemberId = -1;

    private ClusterPublisher(final Context ctx)
    {
        this.ctx = ctx;
        this.cluster = connectSession();
    }

    /**
     * Open a session with the cluster (blocks until its leader answers, or throws after Aeron Cluster's message
     * timeout).
     */
    public static ClusterPublisher connect(final Context ctx)
    {
        return new ClusterPublisher(ctx.conclude());
    }

    /**
     * @return the member that leads, as last told by the cluster; -1 before the first answer.
     */
    public int leaderMemberId()
    {
        return null == cluster || cluster.isClosed() ? leaderMemberId : cluster.leaderMemberId();
    }

    /**
     * @return the topic sequence of the event the last successful {@link #publish} sequenced.
     */
    public long lastTopicSequence()
    {
        return lastTopicSequence;
    }

    /**
     * @return true while a session with the cluster is open.
     */
    public boolean isConnected()
    {
        return null != cluster && !cluster.isClosed();
    }

    /**
     * @return why the last {@link PublishResult#REJECTED} publish was refused.
     */
    public String lastRefusal()
    {
        return lastRefusal;
    }

    /**
     * Sequence one event and wait until it is committed and journaled.
     *
     * @return its global sequence, or a {@link PublishResult} code: {@link PublishResult#REJECTED} (not
     * sequenced; {@link #lastRefusal()}), {@link PublishResult#TIMED_OUT} (unknown: may or may not be committed),
     * {@link PublishResult#NOT_CONNECTED} (not sent: no session could be opened in time).
     */
    public long publish(
        final String topic, final PayloadType payloadType, final DirectBuffer payload, final int offset, final int length)
    {
        final String invalid = TopicNames.validate(topic);
        if (null != invalid)
        {
            throw new IllegalArgumentException(invalid);
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.publishTimeoutMs);
        final long correlationId = nextCorrelationId++;
        requestEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .timestampNs(0) // the cluster's clock stamps it: a member's state depends on the log alone
            .payloadType(payloadType)
            .topicName(topic)
            .putPayload(payload, offset, length);
        final int requestLength = MessageHeaderEncoder.ENCODED_LENGTH + requestEncoder.encodedLength();

        awaitedCorrelationId = correlationId;
        answer = 0;
        final IdleStrategy idle = ctx.idleStrategy;
        idle.reset();
        boolean sent = false;
        pollQuietly(); // a session the cluster closed while we were idle (its session timeout) is seen now, not after
        // a request sent into it goes unanswered
        while (System.nanoTime() - deadlineNs < 0)
        {
            if (null == cluster || cluster.isClosed())
            {
                if (!reconnect(deadlineNs))
                {
                    break;
                }
            }
            int work;
            try
            {
                if (!sent)
                {
                    sent = cluster.offer(requestBuffer, 0, requestLength) > 0;
                }
                work = cluster.pollEgress();
            }
            catch (final AeronException ex)
            {
                CloseHelper.quietClose(cluster); // the session is gone: the next pass opens another
                cluster = null;
                work = 0;
            }
            if (0 != answer)
            {
                return answer;
            }
            idle.idle(work);
        }
        awaitedCorrelationId = 0;
        return sent ? PublishResult.TIMED_OUT : PublishResult.NOT_CONNECTED;
    }

    /**
     * Send one event without waiting for its answer (a feed at rate: the cluster sequences it once committed and
     * answers nothing). Reads what the cluster sent meanwhile (leader changes) first.
     *
     * @return a positive position if sent, else {@link PublishResult#BACK_PRESSURED} (try again),
     * {@link PublishResult#NOT_CONNECTED} (no session now: an election, or the session was lost; the next
     * {@link #publish} opens another) or {@link PublishResult#CLOSED}.
     */
    public long offer(
        final String topic, final PayloadType payloadType, final DirectBuffer payload, final int offset, final int length)
    {
        final String invalid = TopicNames.validate(topic);
        if (null != invalid)
        {
            throw new IllegalArgumentException(invalid);
        }
        pollQuietly();
        if (null == cluster || cluster.isClosed())
        {
            return PublishResult.NOT_CONNECTED;
        }
        requestEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(0) // no answer wanted
            .timestampNs(0)
            .payloadType(payloadType)
            .topicName(topic)
            .putPayload(payload, offset, length);
        final long result;
        try
        {
            result = cluster.offer(requestBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + requestEncoder.encodedLength());
        }
        catch (final AeronException ex)
        {
            CloseHelper.quietClose(cluster);
            cluster = null;
            return PublishResult.NOT_CONNECTED;
        }
        if (result > 0)
        {
            return result;
        }
        return Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result ?
            PublishResult.BACK_PRESSURED : Publication.NOT_CONNECTED == result ? PublishResult.NOT_CONNECTED :
            PublishResult.CLOSED;
    }

    /**
     * Keep the session open while not publishing (the cluster closes sessions it does not hear from for its
     * session timeout, 10 s by default) and take in leader changes. Call every second or so when idle.
     */
    public int doWork()
    {
        if (null == cluster || cluster.isClosed())
        {
            return 0;
        }
        cluster.sendKeepAlive();
        return cluster.pollEgress();
    }

    private void pollQuietly()
    {
        if (null != cluster && !cluster.isClosed())
        {
            try
            {
                cluster.pollEgress();
            }
            catch (final AeronException ex)
            {
                CloseHelper.quietClose(cluster);
                cluster = null;
            }
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
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length))
        {
            return;
        }
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        if (PublishAckDecoder.TEMPLATE_ID == headerDecoder.templateId())
        {
            ackDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
            if (ackDecoder.correlationId() == awaitedCorrelationId)
            {
                answer = ackDecoder.globalSequence();
                lastTopicSequence = ackDecoder.topicSequence();
            }
        }
        else if (PublishRefusedDecoder.TEMPLATE_ID == headerDecoder.templateId())
        {
            refusedDecoder.wrap(buffer, bodyOffset, headerDecoder.blockLength(), headerDecoder.version());
            if (refusedDecoder.correlationId() == awaitedCorrelationId)
            {
                lastRefusal = refusedDecoder.reason();
                answer = PublishResult.REJECTED;
            }
        }
    }

    public void onNewLeader(
        final long clusterSessionId, final long leadershipTermId, final int leaderMemberId, final String endpoints)
    {
        this.leaderMemberId = leaderMemberId;
    }

    public void close()
    {
        CloseHelper.close(cluster);
        cluster = null;
    }

    private boolean reconnect(final long deadlineNs)
    {
        while (System.nanoTime() - deadlineNs < 0)
        {
            try
            {
                cluster = connectSession();
                return true;
            }
            catch (final AeronException ex)
            {
                // no leader answered within the message timeout: an election may be under way
            }
        }
        return false;
    }

    private AeronCluster connectSession()
    {
        final AeronCluster session = AeronCluster.connect(new AeronCluster.Context()
            .aeronDirectoryName(ctx.aeronDirectoryName)
            .ingressChannel("aeron:udp")
            .ingressEndpoints(ctx.ingressEndpoints)
            .egressChannel(ctx.egressChannel)
            .credentialsSupplier(credentialsOf(ctx.token))
            .egressListener(this));
        leaderMemberId = session.leaderMemberId();
        return session;
    }

    /**
     * The token as Aeron Cluster connect credentials (none without one).
     */
    public static io.aeron.security.CredentialsSupplier credentialsOf(final String token)
    {
        final byte[] credentials = null == token ? new byte[0] :
            token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new io.aeron.security.CredentialsSupplier()
        {
            public byte[] encodedCredentials()
            {
                return credentials;
            }

            public byte[] onChallenge(final byte[] encodedChallenge)
            {
                return credentials;
            }
        };
    }
}
