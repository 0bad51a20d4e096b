package io.pushengine.edge.websocket;

import io.pushengine.edge.session.CloseCodes;
import io.pushengine.edge.http.StreamCompression;
import io.pushengine.edge.session.SubscriptionOptions;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.TopicNameCache;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.sbe.AuthenticateDecoder;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.HeartbeatDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PublishDecoder;
import io.pushengine.codec.sbe.SubscribeDecoder;
import io.pushengine.codec.sbe.UnsubscribeDecoder;
import io.pushengine.codec.sbe.UpdateSubscriptionDecoder;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.auth.AccessGrant;
import io.pushengine.edge.admission.Admission;
import io.pushengine.edge.admission.ConnectionLimiter;
import io.pushengine.auth.TokenRejectedException;
import io.pushengine.edge.fanout.SessionCommand;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.EdgeIoThreads;
import io.pushengine.edge.http.StreamParameters;
import io.pushengine.edge.session.ConnectionOptions;
import io.pushengine.edge.session.IoThreadFlushers;
import io.pushengine.edge.publish.PayloadValidator;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.PublishRoutes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Pooled;
import org.xnio.XnioExecutor;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;

/**
 * {@code GET /ws?topics=a,b}: validates the request, upgrades, and runs the client side of the protocol. Clients
 * send binary SBE {@code Subscribe}, {@code Unsubscribe} and {@code Heartbeat}; anything else closes the connection
 * with 1002 (not our protocol) or 1003 (a text frame, or a message a client may not send), with a reason.
 */
public final class WebSocketEndpoint implements HttpHandler, WebSocketConnectionCallback
{
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketEndpoint.class);
    private static final int MAX_CONTROL_MESSAGE_LENGTH = 4096;
    private static final int MESSAGE_TOO_BIG = 1009;
    private static final UnsafeBuffer NOTHING = new UnsafeBuffer(new byte[0]);
    /**
     * Each IO thread's names of the topics its connections publish to: decoded once, not per Publish.
     */
    private static final ThreadLocal<TopicNameCache> TOPIC_NAMES = ThreadLocal.withInitial(TopicNameCache::new);
    private static final AttachmentKey<ConnectionOptions> OPTIONS = AttachmentKey.create(ConnectionOptions.class);
    private static final AttachmentKey<HttpServerExchange> UPGRADE_REQUEST =
        AttachmentKey.create(HttpServerExchange.class);

    private final WebSocketProtocolHandshakeHandler handshakeHandler;
    private final ManyToOneConcurrentArrayQueue<SessionCommand> commands;
    private final EdgeCounters counters;
    private final EpochNanoClock epochClock;
    private final AtomicLong sessionIds;
    private final int initialRingCapacity;
    private final int ringCapacity;
    private final StreamParameters parameters;
    private final long pingIntervalMs;
    private final long pongTimeoutMs;
    private final Admission admission;
    private final IoThreadFlushers flushers;
    private final EdgeIoThreads ioThreads;
    private final WebSocketPublishes publishes;
    private final StreamCompression compression;

    public WebSocketEndpoint(
        final ManyToOneConcurrentArrayQueue<SessionCommand> commands,
        final EdgeCounters counters,
        final EpochNanoClock epochClock,
        final AtomicLong sessionIds,
        final int initialRingCapacity,
        final int ringCapacity,
        final StreamParameters parameters,
        final long pingIntervalMs,
        final long pongTimeoutMs,
        final Admission admission,
        final IoThreadFlushers flushers,
        final EdgeIoThreads ioThreads,
        final IngressProxy ingressProxy,
        final PublishRoutes<ClientSession> publishRoutes,
        final int maxPayloadLength,
        final long publishTimeoutMs,
        final StreamCompression compression)
    {
        this.compression = compression;
        this.flushers = flushers;
        this.ioThreads = ioThreads;
        this.publishes = new WebSocketPublishes(
            ingressProxy, publishRoutes, counters, epochClock, maxPayloadLength, publishTimeoutMs);
        this.admission = admission;
        this.parameters = parameters;
        this.pingIntervalMs = pingIntervalMs;
        this.pongTimeoutMs = pongTimeoutMs;
        this.commands = commands;
        this.counters = counters;
        this.epochClock = epochClock;
        this.sessionIds = sessionIds;
        this.initialRingCapacity = initialRingCapacity;
        this.ringCapacity = ringCapacity;
        this.handshakeHandler = new WebSocketProtocolHandshakeHandler(this, exchange -> HttpResponses.reject(
            exchange, 400, "this endpoint speaks WebSocket: send an Upgrade: websocket request", counters));
        // (a permit taken at admission is given back when such a refused exchange completes: status is not 101)
        if (compression.webSocket())
        {
            final int maxInbound = maxInboundMessageLength(maxPayloadLength);
            handshakeHandler.addExtension(new PerMessageDeflateNegotiation(() -> new InboundInflate(maxInbound)));
        }
    }

    /**
     * The largest message a client may send: a control message, or a Publish with the largest payload.
     */
    private static int maxInboundMessageLength(final int maxPayloadLength)
    {
        return Math.max(MAX_CONTROL_MESSAGE_LENGTH, MAX_CONTROL_MESSAGE_LENGTH + maxPayloadLength);
    }

    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        final ConnectionOptions options;
        try
        {
            options = parameters.parse(exchange, false);
        }
        catch (final IllegalArgumentException ex)
        {
            HttpResponses.reject(exchange, 400, ex.getMessage(), counters);
            return;
        }
        exchange.putAttachment(OPTIONS, options);
        exchange.putAttachment(UPGRADE_REQUEST, exchange);
        handshakeHandler.handleRequest(exchange);
    }

    public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
    {
        final ConnectionOptions options = exchange.getAttachment(OPTIONS);
        final AccessGrant grant = exchange.getAttachment(Admission.GRANT);
        final ConnectionLimiter.Permit permit = exchange.getAttachment(Admission.PERMIT);
        final WebSocketDeflater deflater = deflaterFor(exchange);
        final WebSocketSession session = new WebSocketSession(sessionIds.incrementAndGet(), channel,
            flushers.forThread(ioThreads.of(channel.getIoThread())),
            initialRingCapacity, ringCapacity, counters.fanOut().ringBytes(), options, counters, epochClock, deflater);
        channel.setAttribute(InboundInflate.SESSION_ATTRIBUTE, session);
        final ControlMessageListener listener = new ControlMessageListener(session, grant, permit, options.topics());

        if (!commands.offer(SessionCommand.register(session)))
        {
            listener.release();
            session.close(CloseCodes.TRY_AGAIN_LATER, "edge overloaded: try again later");
            return;
        }
        counters.connectionOpened(counters.webSocketConnections());
        session.startPinging(pingIntervalMs, pongTimeoutMs);
        channel.addCloseTask(ch ->
        {
            if (MESSAGE_TOO_BIG == ch.getCloseCode())
            {
                counters.limitRejections().increment(); // a control message over the size limit (Undertow closed it)
            }
            listener.release();
            session.onChannelClosed();
            if (null != deflater)
            {
                compression.release();
                counters.webSocketCompressedStreams().decrement();
            }
            counters.connectionClosed(counters.webSocketConnections());
            SessionCommand.offer(commands, SessionCommand.remove(session));
        });
        SessionCommand.offerInitialSubscriptions(commands, session, options);

        LOG.info("ws open id={} remote={} topics={} window={} policy={} subject={}", session.sessionId(),
            session.remoteAddress(), options.topics().size(), options.batchWindowMs(), options.requestedPolicy(),
            null == grant ? "(authenticating)" : grant.subject());
        channel.getReceiveSetter().set(listener);
        channel.resumeReceives();
        listener.armExpiry();
        forgetUpgradeRequest(exchange.getAttachment(UPGRADE_REQUEST));
    }

    /**
     * The connection's outbound compressor when permessage-deflate was agreed and the budget has room; agreed but
     * over budget, its messages go uncompressed (the extension allows it per message), counted.
     */
    private WebSocketDeflater deflaterFor(final WebSocketHttpExchange exchange)
    {
        final String agreed = exchange.getResponseHeader(Headers.SEC_WEB_SOCKET_EXTENSIONS_STRING);
        if (null == agreed || !agreed.contains(PerMessageDeflateNegotiation.NAME))
        {
            return null;
        }
        if (!compression.tryAcquire())
        {
            counters.webSocketCompressionOverBudget().increment();
            return null;
        }
        counters.webSocketCompressedStreams().increment();
        return new WebSocketDeflater(Deflater.DEFAULT_COMPRESSION,
            !agreed.contains(PerMessageDeflateNegotiation.SERVER_NO_CONTEXT_TAKEOVER));
    }

    /**
     * Undertow's HTTP connection keeps its last exchange for as long as the connection is open (its open listener
     * holds every connection, to close them at shutdown), so each WebSocket would keep its upgrade request's headers,
     * query and attachments for its lifetime: most of the memory of an idle connection. Nothing reads them after
     * {@link #onConnect}; let them go.
     */
    private static void forgetUpgradeRequest(final HttpServerExchange exchange)
    {
        exchange.getRequestHeaders().clear();
        exchange.getResponseHeaders().clear();
        exchange.getQueryParameters().clear();
        exchange.getPathParameters().clear();
        exchange.setRequestURI("");
        exchange.setRequestPath("");
        exchange.setRelativePath("");
        exchange.setQueryString("");
        exchange.removeAttachment(OPTIONS);
        exchange.removeAttachment(Admission.GRANT);
        exchange.removeAttachment(Admission.PERMIT);
        exchange.removeAttachment(UPGRADE_REQUEST);
    }

    /**
     * Decodes what a client sends. IO thread of the connection.
     */
    private final class ControlMessageListener extends AbstractReceiveListener
    {
        private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
        private final SubscribeDecoder subscribeDecoder = new SubscribeDecoder();
        private final UnsubscribeDecoder unsubscribeDecoder = new UnsubscribeDecoder();
        private final UpdateSubscriptionDecoder updateDecoder = new UpdateSubscriptionDecoder();
        private final HeartbeatDecoder heartbeatDecoder = new HeartbeatDecoder();
        private final AuthenticateDecoder authenticateDecoder = new AuthenticateDecoder();
        private final PublishDecoder publishDecoder = new PublishDecoder();
        private final UnsafeBuffer publishPayload = new UnsafeBuffer(0, 0);
        private PayloadValidator payloadValidator; // made by the connection's first publish: most never publish
        private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        private final WebSocketSession session;
        private final Set<String> topics = new HashSet<>();
        private final ConnectionLimiter.Permit addressPermit;
        private ConnectionLimiter.Permit subjectPermit;
        private AccessGrant grant;
        private XnioExecutor.Key expiry;
        private long rateWindowStartNs = System.nanoTime();
        private int messagesInWindow;

        ControlMessageListener(
            final WebSocketSession session,
            final AccessGrant grant,
            final ConnectionLimiter.Permit permit,
            final List<String> initialTopics)
        {
            this.session = session;
            this.grant = grant;
            this.addressPermit = permit;
            this.topics.addAll(initialTopics);
        }

        /**
         * Close the connection when its token expires (1008), or, with no token yet, when it has not
         * authenticated in time. Re-armed by a refresh.
         */
        void armExpiry()
        {
            if (null != expiry)
            {
                expiry.remove();
                expiry = null;
            }
            final long delayMs;
            final String reason;
            if (null == grant)
            {
                delayMs = admission.settings().authenticationTimeoutMs();
                reason = "no Authenticate message within " + delayMs + " ms";
            }
            else if (Long.MAX_VALUE == grant.expiresAtMs())
            {
                return;
            }
            else
            {
                delayMs = Math.max(0, grant.expiresAtMs() - epochClock.nanoTime() / 1_000_000);
                reason = "token expired: reconnect with a fresh token, or send Authenticate before expiry";
            }
            expiry = session.channel().getIoThread().executeAfter(() ->
            {
                counters.tokenExpiryCloses().increment();
                session.close(CloseCodes.POLICY_VIOLATION, reason);
            }, delayMs, TimeUnit.MILLISECONDS);
        }

        void release()
        {
            if (null != expiry)
            {
                expiry.remove();
            }
            if (null != addressPermit)
            {
                addressPermit.release();
            }
            if (null != subjectPermit)
            {
                subjectPermit.release();
            }
        }

        protected long getMaxBinaryBufferSize()
        {
            return maxInboundMessageLength(publishes.maxPayloadLength());
        }

        protected long getMaxTextBufferSize()
        {
            return MAX_CONTROL_MESSAGE_LENGTH;
        }

        private PayloadValidator payloadValidator()
        {
            if (null == payloadValidator)
            {
                payloadValidator = new PayloadValidator();
            }
            return payloadValidator;
        }

        /**
         * Answered by the session's own writer (Undertow's would interleave with our frames).
         */
        protected void onFullPingMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
        {
            final Pooled<ByteBuffer[]> data = message.getData();
            try
            {
                final ByteBuffer[] buffers = data.getResource();
                final ByteBuffer payload = buffers.length == 1 ? buffers[0] : concatenate(buffers);
                final byte[] bytes = new byte[payload.remaining()];
                payload.get(bytes);
                session.onPing(bytes);
            }
            finally
            {
                data.free();
            }
        }

        /**
         * Echoed by the session's own writer, which then closes the connection.
         */
        protected void onFullCloseMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
        {
            final Pooled<ByteBuffer[]> data = message.getData();
            try
            {
                final ByteBuffer[] buffers = data.getResource();
                final CloseMessage close = new CloseMessage(buffers);
                session.onPeerClose(CloseMessage.isValid(close.getCode()) ? close.getCode() : CloseMessage.PROTOCOL_ERROR);
            }
            finally
            {
                data.free();
            }
        }

        protected void onFullPongMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
        {
            message.getData().free();
            session.onPeerActivity();
        }

        protected void onFullTextMessage(final WebSocketChannel channel, final BufferedTextMessage message)
        {
            protocolError(CloseCodes.UNSUPPORTED_DATA,
                "text frames are not part of the protocol: send binary SBE control messages");
        }

        protected void onFullBinaryMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
        {
            final Pooled<ByteBuffer[]> data = message.getData();
            try
            {
                final ByteBuffer[] buffers = data.getResource();
                final ByteBuffer frame = buffers.length == 1 ? buffers[0] : concatenate(buffers);
                buffer.wrap(frame, frame.position(), frame.remaining());
                onControlMessage(buffer.capacity());
            }
            finally
            {
                buffer.wrap(NOTHING); // the decoders must not keep the pooled buffer alive
                data.free();
            }
        }

        private void onControlMessage(final int length)
        {
            session.onPeerActivity();
            if (session.isClosing())
            {
                return; // closed with a reason already: what the client sent after that is not read
            }
            final int check = FrameCheck.check(headerDecoder, buffer, 0, length);
            final boolean publish = null != grant && FrameCheck.OK == check &&
                PublishDecoder.TEMPLATE_ID == headerDecoder.templateId();
            if (!publish && length > MAX_CONTROL_MESSAGE_LENGTH)
            {
                counters.limitRejections().increment();
                session.close(MESSAGE_TOO_BIG, "a control message of " + length + " bytes is over the " +
                    MAX_CONTROL_MESSAGE_LENGTH + "-byte limit (only a Publish may be larger, up to its payload limit)");
                return;
            }
            if (publish)
            {
                onPublish(length); // services publish at their own rate: bounded by the publishes in flight
                return;
            }
            if (overRate())
            {
                counters.limitRejections().increment();
                protocolError(CloseCodes.POLICY_VIOLATION, "more than " +
                    admission.settings().maxControlMessagesPerSecond() + " control messages per second");
                return;
            }
            if (FrameCheck.OK != check)
            {
                protocolError(CloseCodes.PROTOCOL_ERROR, FrameCheck.describe(check, headerDecoder, length));
                return;
            }

            final int templateId = headerDecoder.templateId();
            final int blockLength = headerDecoder.blockLength();
            final int version = headerDecoder.version();
            if (null == grant && AuthenticateDecoder.TEMPLATE_ID != templateId)
            {
                counters.authFailures().increment();
                protocolError(CloseCodes.POLICY_VIOLATION,
                    "authenticate first: send Authenticate with a token (template 31)");
                return;
            }
            try
            {
                switch (templateId)
                {
                    case AuthenticateDecoder.TEMPLATE_ID:
                    {
                        authenticateDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
                        final long correlationId = authenticateDecoder.correlationId();
                        final String token = authenticateDecoder.token();
                        checkConsumed(authenticateDecoder.limit(), length);
                        onAuthenticate(correlationId, token);
                        break;
                    }

                    case SubscribeDecoder.TEMPLATE_ID:
                    {
                        subscribeDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
                        final long correlationId = subscribeDecoder.correlationId();
                        // clients built before the snapshot field send a shorter block: no snapshot
                        final boolean snapshot = blockLength > SubscribeDecoder.snapshotEncodingOffset() &&
                            1 == subscribeDecoder.snapshot();
                        final int maxFrequency = blockLength > SubscribeDecoder.maxFrequencyEncodingOffset() ?
                            subscribeDecoder.maxFrequency() : 0;
                        final int batchWindowMs = blockLength > SubscribeDecoder.batchWindowMsEncodingOffset() ?
                            subscribeDecoder.batchWindowMs() : 0;
                        final String topic = subscribeDecoder.topicName();
                        checkConsumed(subscribeDecoder.limit(), length);
                        final String invalid = TopicNames.validateSubscription(topic);
                        if (null != invalid)
                        {
                            session.sendError(ErrorCode.INVALID_TOPIC, correlationId, invalid);
                            return;
                        }
                        if (!grant.maySubscribe(topic))
                        {
                            counters.forbidden().increment();
                            session.sendError(ErrorCode.NOT_AUTHORIZED, correlationId,
                                "topic '" + topic + "' is not granted to " + grant.subject());
                            return;
                        }
                        if (!topics.contains(topic) && topics.size() >= admission.settings().maxTopicsPerConnection())
                        {
                            counters.limitRejections().increment();
                            session.sendError(ErrorCode.LIMIT_EXCEEDED, correlationId, "at most " +
                                admission.settings().maxTopicsPerConnection() + " topics per connection");
                            return;
                        }
                        if (refusedOptions(correlationId, maxFrequency, batchWindowMs))
                        {
                            return;
                        }
                        final SubscriptionOptions options = SubscriptionOptions.of(maxFrequency, batchWindowMs);
                        if (subscribeDecoder.fromSequence() != SubscribeDecoder.fromSequenceNullValue())
                        {
                            counters.protocolErrors().increment();
                            session.sendError(ErrorCode.UNSUPPORTED_MESSAGE, correlationId, "fromSequence on " +
                                "Subscribe is not supported yet: reconnect with /ws?topics=...&from=SEQ to resume");
                            return;
                        }
                        topics.add(topic);
                        if (snapshot)
                        {
                            SessionCommand.offer(commands, SessionCommand.snapshotBegin(session, correlationId));
                            SessionCommand.offer(commands,
                                SessionCommand.subscribe(session, topic, correlationId, true, options));
                            SessionCommand.offer(commands, SessionCommand.snapshotEnd(session, correlationId));
                        }
                        else
                        {
                            SessionCommand.offer(commands,
                                SessionCommand.subscribe(session, topic, correlationId, false, options));
                        }
                        break;
                    }

                    case UpdateSubscriptionDecoder.TEMPLATE_ID:
                    {
                        updateDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
                        final long correlationId = updateDecoder.correlationId();
                        final int maxFrequency = updateDecoder.maxFrequency();
                        // clients built before the batching window send a shorter block: the connection's window
                        final int batchWindowMs = blockLength > UpdateSubscriptionDecoder.batchWindowMsEncodingOffset() ?
                            updateDecoder.batchWindowMs() : 0;
                        final String topic = updateDecoder.topicName();
                        checkConsumed(updateDecoder.limit(), length);
                        if (!topics.contains(topic))
                        {
                            counters.protocolErrors().increment();
                            session.sendError(ErrorCode.NOT_SUBSCRIBED, correlationId,
                                "not subscribed to '" + topic + "': subscribe first");
                            return;
                        }
                        if (refusedOptions(correlationId, maxFrequency, batchWindowMs))
                        {
                            return;
                        }
                        SessionCommand.offer(commands, SessionCommand.updateSubscription(
                            session, topic, correlationId, SubscriptionOptions.of(maxFrequency, batchWindowMs)));
                        break;
                    }

                    case UnsubscribeDecoder.TEMPLATE_ID:
                    {
                        unsubscribeDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
                        final long correlationId = unsubscribeDecoder.correlationId();
                        final String topic = unsubscribeDecoder.topicName();
                        checkConsumed(unsubscribeDecoder.limit(), length);
                        topics.remove(topic);
                        SessionCommand.offer(commands, SessionCommand.unsubscribe(session, topic, correlationId));
                        break;
                    }

                    case HeartbeatDecoder.TEMPLATE_ID:
                        heartbeatDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
                        break;

                    default:
                        protocolError(CloseCodes.UNSUPPORTED_DATA,
                            "template " + templateId + " is not a message a client may send " +
                            "(Subscribe=10, Unsubscribe=11, Heartbeat=13, Authenticate=31, Publish=35)");
                        break;
                }
            }
            catch (final IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException ex)
            {
                protocolError(CloseCodes.PROTOCOL_ERROR,
                    "malformed template " + templateId + ": variable-length field runs past the frame");
            }
        }

        /**
         * A well-formed {@code Publish} from an authenticated connection (checked by the caller).
         */
        private void onPublish(final int length)
        {
            final long correlationId;
            try
            {
                publishDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                    headerDecoder.version());
                correlationId = publishDecoder.correlationId();
                final PayloadType payloadType = publishDecoder.payloadType();
                final int topicLength = publishDecoder.topicNameLength();
                final int topicOffset = publishDecoder.limit() + PublishDecoder.topicNameHeaderLength();
                publishDecoder.skipTopicName();
                final String topic = TOPIC_NAMES.get().name(buffer, topicOffset, topicLength);
                final int payloadLength = publishDecoder.payloadLength();
                final int payloadOffset = publishDecoder.limit() + PublishDecoder.payloadHeaderLength();
                publishDecoder.skipPayload();
                checkConsumed(publishDecoder.limit(), length);
                publishPayload.wrap(buffer, payloadOffset, payloadLength);
                publishes.onPublish(session, grant, correlationId, payloadType, topic, publishPayload, 0, payloadLength,
                    payloadValidator());
            }
            catch (final IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException ex)
            {
                protocolError(CloseCodes.PROTOCOL_ERROR,
                    "malformed Publish: variable-length field runs past the frame");
            }
            finally
            {
                publishPayload.wrap(NOTHING);
            }
        }

        /**
         * First-message authentication, or a refresh: the new token must keep the subject. Topics the new grant
         * no longer covers are unsubscribed, each with an Error saying so.
         */
        private void onAuthenticate(final long correlationId, final String token)
        {
            final AccessGrant refreshed;
            try
            {
                refreshed = admission.verify(token);
            }
            catch (final TokenRejectedException ex)
            {
                if (null == grant)
                {
                    protocolError(CloseCodes.POLICY_VIOLATION, ex.getMessage());
                }
                else
                {
                    session.sendError(ErrorCode.AUTHENTICATION_FAILED, correlationId,
                        ex.getMessage() + ": the current token stays in force until it expires");
                }
                return;
            }
            if (null == grant)
            {
                subjectPermit = admission.limiter().tryAcquireSubject(refreshed.subject());
                if (null == subjectPermit)
                {
                    counters.limitRejections().increment();
                    protocolError(CloseCodes.POLICY_VIOLATION, "too many connections for " +
                        refreshed.subject() + " (" + admission.limiter().maxPerSubject() + ")");
                    return;
                }
            }
            else if (!grant.subject().equals(refreshed.subject()))
            {
                counters.authFailures().increment();
                protocolError(CloseCodes.POLICY_VIOLATION, "a refreshed token must keep the subject " +
                    grant.subject());
                return;
            }
            grant = refreshed;
            for (final java.util.Iterator<String> it = topics.iterator(); it.hasNext(); )
            {
                final String topic = it.next();
                if (!grant.maySubscribe(topic))
                {
                    it.remove();
                    counters.forbidden().increment();
                    SessionCommand.offer(commands, SessionCommand.unsubscribe(session, topic, correlationId));
                    session.sendError(ErrorCode.NOT_AUTHORIZED, correlationId,
                        "topic '" + topic + "' is no longer granted: unsubscribed");
                }
            }
            armExpiry();
            session.sendAuthenticated(correlationId, grant.expiresAtMs(), grant.subject());
        }

        private boolean overRate()
        {
            final long nowNs = System.nanoTime();
            if (nowNs - rateWindowStartNs >= 1_000_000_000L)
            {
                rateWindowStartNs = nowNs;
                messagesInWindow = 0;
            }
            return ++messagesInWindow > admission.settings().maxControlMessagesPerSecond();
        }

        /**
         * A maximum frequency or batching window the server does not allow: refused with the reason (counted); the
         * connection carries on.
         */
        private boolean refusedOptions(final long correlationId, final int maxFrequency, final int batchWindowMs)
        {
            final String refused = parameters.checkSubscriptionOptions(maxFrequency, batchWindowMs);
            if (null == refused)
            {
                return false;
            }
            counters.protocolErrors().increment();
            session.sendError(ErrorCode.INVALID_ARGUMENT, correlationId, refused);
            return true;
        }

        private void checkConsumed(final int limit, final int length)
        {
            if (limit > length)
            {
                throw new IndexOutOfBoundsException("limit " + limit + " > frame length " + length);
            }
        }

        private void protocolError(final int code, final String reason)
        {
            counters.protocolErrors().increment();
            session.close(code, reason);
        }

        private ByteBuffer concatenate(final ByteBuffer[] buffers)
        {
            int total = 0;
            for (final ByteBuffer b : buffers)
            {
                total += b.remaining();
            }
            final ByteBuffer joined = ByteBuffer.allocate(total);
            for (final ByteBuffer b : buffers)
            {
                joined.put(b);
            }
            joined.flip();
            return joined;
        }
    }
}
