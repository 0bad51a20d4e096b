package io.pushengine.client;

import io.pushengine.codec.StreamContext;
import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.StreamConfiguration;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PublishAckDecoder;
import io.pushengine.codec.sbe.PublishRefusedDecoder;
import io.pushengine.codec.stream.IngressAuthentication;
import io.pushengine.codec.stream.IngressProxy;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Publishes events to a push engine over its Aeron ingress stream, from any process that can reach the engine's
 * media driver or its UDP ingress endpoint: the publisher's side of the {@code publisher} role.
 * <pre>{@code
 * try (PushPublisher publisher = PushPublisher.connect(new PushPublisher.Context()
 *     .aeronDirectoryName(dir)                                  // a media driver on this host
 *     .ingressChannel("aeron:udp?endpoint=engine-host:40456")
 *     .eventsChannel("aeron:udp?endpoint=0.0.0.0:0|control=engine-host:40457|control-mode=dynamic")))
 * {
 *     publisher.awaitConnected(5_000);
 *     long sequence = publisher.publish("prices.EURUSD", PayloadType.JSON, buffer, 0, length); // journaled
 *     long position = publisher.offer("prices.EURUSD", PayloadType.JSON, buffer, 0, length);  // fire and forget
 * }
 * }</pre>
 * Two ways to publish:
 * <ul>
 *     <li>{@link #offer}: one Aeron offer, no acknowledgement asked for. The price-feed path: nothing waits, and
 *     an event the engine never got is simply not there (the next tick supersedes it).</li>
 *     <li>{@link #publish}: asks for the engine's acknowledgement and waits for it; the answer is the event's global
 *     sequence, given once the event is journaled. Acknowledgements ride the engine's event stream, so a publisher
 *     that calls it subscribes to that stream ({@link Context#eventsChannel}) and reads past the events of every
 *     topic to find its own: fine for a service that publishes now and then, wasteful for a firehose — use
 *     {@link #offer} there.</li>
 * </ul>
 * In front of a replicated sequencer ({@link Context#clusterIngressEndpoints}), the same calls go through a session
 * with the cluster's ingress ({@link ClusterPublisher}, which follows the leader across elections): {@link #publish}
 * answers once the event is committed on a majority and journaled on the leader; {@link #connect} returns once a
 * leader has opened the session (or throws after Aeron Cluster's message timeout).
 * <p>
 * Not thread-safe: one publisher per thread (they are cheap; they can share an {@link Aeron} client).
 */
public final class PushPublisher implements AutoCloseable
{
    /**
     * Configuration; defaults from the same system properties the engine and edges read
     * ({@link StreamConfiguration}). Single use.
     */
    public static final class Context extends StreamContext<Context>
    {
        protected Context self()
        {
            return this;
        }

        private Aeron aeron;
        private boolean ownsAeron;
        private boolean acknowledgements = true;
        private String token;
        private long publishTimeoutMs = StreamConfiguration.publishTimeoutMs();
        private int maxPayloadLength = StreamConfiguration.maxPayloadLength();
        private IdleStrategy ackIdleStrategy = new SleepingIdleStrategy(TimeUnit.MICROSECONDS.toNanos(50));
        private EpochNanoClock clock = new SystemEpochNanoClock();
        private ErrorHandler errorHandler = Throwable::printStackTrace;
        private String clusterIngressEndpoints;
        private String clusterEgressChannel = "aeron:udp?endpoint=localhost:0";
        private boolean concluded;

        /**
         * Publish to a replicated sequencer instead of one engine: {@code id=host:port,...} of every member's
         * ingress ({@code ClusterLayout.ingressEndpoints()}); the ingress and events channels are then unused.
         */
        public Context clusterIngressEndpoints(final String clusterIngressEndpoints)
        {
            this.clusterIngressEndpoints = clusterIngressEndpoints;
            return this;
        }

        public String clusterIngressEndpoints()
        {
            return clusterIngressEndpoints;
        }

        /**
         * Where the cluster's leader answers: {@code aeron:udp?endpoint=<an address of this host>:0}.
         */
        public Context clusterEgressChannel(final String clusterEgressChannel)
        {
            this.clusterEgressChannel = clusterEgressChannel;
            return this;
        }

        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded: a context is single use");
            }
            concluded = true;
            if (null == aeronDirectoryName())
            {
                aeronDirectoryName(CommonContext.getAeronDirectoryName());
            }
            if (null == aeron)
            {
                ownsAeron = true;
            }
            return this;
        }

        /**
         * An Aeron client to use (not closed by the publisher); otherwise the publisher connects its own to
         * {@link #aeronDirectoryName()}.
         */
        public Context aeron(final Aeron aeron)
        {
            this.aeron = aeron;
            return this;
        }

        /**
         * @param acknowledgements false for an {@link #offer}-only publisher: no event stream subscription, and
         *                         {@link #publish} is refused.
         */
        public Context acknowledgements(final boolean acknowledgements)
        {
            this.acknowledgements = acknowledgements;
            return this;
        }

        /**
         * A JWT for an engine whose ingress requires one ({@code push.ingress.jwt.secret}): its {@code pub_topics}
         * are the topics this publisher may publish on. Presented on connect, again after an engine restart, and
         * every few seconds.
         */
        public Context token(final String token)
        {
            this.token = token;
            return this;
        }

        public Context publishTimeoutMs(final long publishTimeoutMs)
        {
            this.publishTimeoutMs = publishTimeoutMs;
            return this;
        }

        /**
         * Must not exceed the engine's ({@code push.max.payload.length}): a larger event is refused here, with a
         * reason, rather than dropped by the engine.
         */
        public Context maxPayloadLength(final int maxPayloadLength)
        {
            this.maxPayloadLength = maxPayloadLength;
            return this;
        }

        /**
         * How {@link #publish} waits between polls for its acknowledgement (default: sleep 50 µs).
         */
        public Context ackIdleStrategy(final IdleStrategy ackIdleStrategy)
        {
            this.ackIdleStrategy = ackIdleStrategy;
            return this;
        }

        public Context clock(final EpochNanoClock clock)
        {
            this.clock = clock;
            return this;
        }

        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }
    }

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final PublishAckDecoder ackDecoder = new PublishAckDecoder();
    private final PublishRefusedDecoder refusedDecoder = new PublishRefusedDecoder();
    private final Context ctx;
    private final Aeron aeron;
    private final Publication ingressPublication;
    private final IngressProxy ingress;
    private final Subscription ackSubscription;
    private final FragmentHandler ackHandler;
    private final IngressAuthentication authentication;
    private final ClusterPublisher cluster;
    private String lastRefusal;
    private boolean refused;
    private long nextCorrelationId = (ThreadLocalRandom.current().nextLong() & 0x3FFF_FFFFL) << 32 | 1;
    private long awaitedCorrelationId;
    private long ackedSequence;
    private long ackedTopicSequence;
    private boolean closed;

    private PushPublisher(final Context ctx)
    {
        this.ctx = ctx;
        if (null != ctx.clusterIngressEndpoints)
        {
            this.cluster = ClusterPublisher.connect(new ClusterPublisher.Context()
                .aeronDirectoryName(null != ctx.aeron ? ctx.aeron.context().aeronDirectoryName() :
                    ctx.aeronDirectoryName())
                .ingressEndpoints(ctx.clusterIngressEndpoints)
                .egressChannel(ctx.clusterEgressChannel)
                .publishTimeoutMs(ctx.publishTimeoutMs)
                .token(ctx.token));
            this.aeron = null;
            this.ingressPublication = null;
            this.ingress = null;
            this.ackSubscription = null;
            this.ackHandler = null;
            this.authentication = null;
            return;
        }
        this.cluster = null;
        Aeron client = ctx.aeron;
        Publication publication = null;
        try
        {
            if (null == client)
            {
                client = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(ctx.aeronDirectoryName())
                    .errorHandler(ctx.errorHandler)
                    .clientName("push-publisher"));
            }
            // exclusive: an Aeron session of its own, so its token (IngressAuthenticate) is its own too (concurrent
            // publications on one driver share a session); a publisher is single-threaded anyway
            publication = client.addExclusivePublication(ctx.ingressChannel(), ctx.ingressStreamId());
            this.ackSubscription = ctx.acknowledgements ?
                client.addSubscription(ctx.eventsChannel(), ctx.eventsStreamId()) : null;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(publication);
            if (ctx.ownsAeron)
            {
                CloseHelper.quietClose(client);
            }
            throw ex;
        }
        this.aeron = client;
        this.ingressPublication = publication;
        this.ingress = new IngressProxy(publication);
        this.ackHandler = new FragmentAssembler(this::onEventStreamFragment);
        this.authentication = null == ctx.token ? null :
            new IngressAuthentication(new IngressProxy(publication), ctx.token, System::nanoTime);
    }

    public static PushPublisher connect(final Context ctx)
    {
        return new PushPublisher(ctx.conclude());
    }

    public Context context()
    {
        return ctx;
    }

    /**
     * @return true once the ingress stream reaches the engine (and, when acknowledgements are on, the event stream
     * has reached this publisher).
     */
    public boolean isConnected()
    {
        if (null != cluster)
        {
            return cluster.isConnected();
        }
        return ingressPublication.isConnected() && (null == ackSubscription || ackSubscription.isConnected());
    }

    /**
     * Wait until {@link #isConnected()} or the timeout.
     *
     * @return whether it is connected.
     */
    public boolean awaitConnected(final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!isConnected())
        {
            if (System.nanoTime() - deadlineNs > 0 || closed)
            {
                return false;
            }
            pollAcks();
            ctx.ackIdleStrategy.idle();
        }
        authenticate();
        return true;
    }

    /**
     * Send one event, without an acknowledgement. Allocates nothing beyond the topic name's encoding.
     *
     * @return a positive Aeron position if sent, else {@link PublishResult#NOT_CONNECTED},
     * {@link PublishResult#BACK_PRESSURED} or
     * {@link PublishResult#CLOSED}.
     * @throws IllegalArgumentException for a topic name the engine would refuse or a payload over the maximum.
     */
    public long offer(
        final String topic, final PayloadType payloadType, final DirectBuffer payload, final int offset, final int length)
    {
        checkArguments(topic, payloadType, length);
        if (null != cluster)
        {
            return closed ? PublishResult.CLOSED : cluster.offer(topic, payloadType, payload, offset, length);
        }
        authenticate();
        if (null != ackSubscription)
        {
            pollAcks();
        }
        return result(ingress.publish(0, topic, payloadType, ctx.clock.nanoTime(), payload, offset, length));
    }

    /**
     * Send one event and wait until the engine has journaled it.
     *
     * @return the event's global sequence, else {@link PublishResult#NOT_CONNECTED}, {@link PublishResult#BACK_PRESSURED}, {@link PublishResult#CLOSED},
     * {@link PublishResult#TIMED_OUT} or {@link PublishResult#REJECTED}.
     * @throws IllegalArgumentException for a topic name the engine would refuse or a payload over the maximum.
     * @throws IllegalStateException when the publisher was built without acknowledgements.
     */
    public long publish(
        final String topic, final PayloadType payloadType, final DirectBuffer payload, final int offset, final int length)
    {
        checkArguments(topic, payloadType, length);
        if (null != cluster)
        {
            if (closed)
            {
                return PublishResult.CLOSED;
            }
            final long result = cluster.publish(topic, payloadType, payload, offset, length);
            if (PublishResult.REJECTED == result)
            {
                lastRefusal = cluster.lastRefusal();
            }
            else if (result > 0)
            {
                ackedTopicSequence = cluster.lastTopicSequence();
            }
            return result;
        }
        if (null == ackSubscription)
        {
            throw new IllegalStateException("publish() waits for an acknowledgement: this publisher was built " +
                "with acknowledgements(false); use offer()");
        }
        authenticate();
        pollAcks();
        final long correlationId = nextCorrelationId++;
        final long sent = result(ingress.publish(
            correlationId, topic, payloadType, ctx.clock.nanoTime(), payload, offset, length));
        if (sent < 0)
        {
            return sent;
        }

        awaitedCorrelationId = correlationId;
        ackedSequence = 0;
        refused = false;
        final IdleStrategy idle = ctx.ackIdleStrategy;
        idle.reset();
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.publishTimeoutMs);
        try
        {
            while (0 == ackedSequence)
            {
                if (refused)
                {
                    return PublishResult.REJECTED;
                }
                if (closed || aeron.isClosed())
                {
                    return PublishResult.CLOSED;
                }
                if (System.nanoTime() - deadlineNs > 0)
                {
                    return PublishResult.TIMED_OUT;
                }
                idle.idle(pollAcks());
            }
            return ackedSequence;
        }
        finally
        {
            awaitedCorrelationId = 0;
        }
    }

    /**
     * @return why the engine refused the last {@link #publish} that returned {@link PublishResult#REJECTED}.
     */
    public String lastRefusal()
    {
        return lastRefusal;
    }

    /**
     * @return the topic sequence of the event the last successful {@link #publish} journaled.
     */
    public long lastTopicSequence()
    {
        return ackedTopicSequence;
    }

    /**
     * Read what has arrived on the event stream (looking for acknowledgements). {@link #publish} and
     * {@link #offer} do this themselves; call it from an idle publisher so its subscription keeps up. In front of a
     * cluster it keeps the session alive instead (the cluster closes sessions it does not hear from for 10 s):
     * call it about once a second while idle.
     *
     * @return fragments read.
     */
    public int pollAcks()
    {
        if (null != cluster)
        {
            return cluster.doWork(); // keeps the cluster session alive and takes in leader changes
        }
        return null == ackSubscription ? 0 : ackSubscription.poll(ackHandler, 256);
    }

    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null != cluster)
        {
            CloseHelper.close(cluster);
            return;
        }
        if (ctx.ownsAeron)
        {
            CloseHelper.close(aeron);
        }
        else
        {
            CloseHelper.closeAll(ingressPublication, ackSubscription);
        }
    }

    private void checkArguments(final String topic, final PayloadType payloadType, final int length)
    {
        final String invalid = TopicNames.validate(topic);
        if (null != invalid)
        {
            throw new IllegalArgumentException(invalid);
        }
        if (null == payloadType || PayloadType.NULL_VAL == payloadType)
        {
            throw new IllegalArgumentException("a payload type is required");
        }
        if (length < 0 || length > ctx.maxPayloadLength)
        {
            throw new IllegalArgumentException(
                "payload of " + length + " bytes: the maximum is " + ctx.maxPayloadLength + " bytes");
        }
    }

    private long result(final long aeronResult)
    {
        if (aeronResult > 0)
        {
            return aeronResult;
        }
        if (closed || aeronResult == Publication.CLOSED)
        {
            return PublishResult.CLOSED;
        }
        if (aeronResult == Publication.BACK_PRESSURED || aeronResult == Publication.ADMIN_ACTION)
        {
            return PublishResult.BACK_PRESSURED;
        }
        return PublishResult.NOT_CONNECTED;
    }

    private void authenticate()
    {
        if (null != authentication)
        {
            authentication.doWork();
        }
    }

    private void onEventStreamFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length))
        {
            return;
        }
        if (PublishRefusedDecoder.TEMPLATE_ID == headerDecoder.templateId())
        {
            refusedDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
                headerDecoder.blockLength(), headerDecoder.version());
            if (0 != awaitedCorrelationId && refusedDecoder.correlationId() == awaitedCorrelationId)
            {
                lastRefusal = refusedDecoder.reason();
                refused = true;
            }
            return;
        }
        if (PublishAckDecoder.TEMPLATE_ID != headerDecoder.templateId())
        {
            return;
        }
        ackDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            headerDecoder.blockLength(), headerDecoder.version());
        if (0 != awaitedCorrelationId && ackDecoder.correlationId() == awaitedCorrelationId)
        {
            ackedSequence = ackDecoder.globalSequence();
            ackedTopicSequence = ackDecoder.topicSequence();
        }
    }
}
