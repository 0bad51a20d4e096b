package io.pushengine.edge.websocket;

import io.aeron.Publication;
import io.pushengine.codec.TopicNames;
import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.stream.IngressProxy;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.auth.AccessGrant;
import io.pushengine.edge.publish.PayloadValidator;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.PublishRoutes;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;


/**
 * A WebSocket connection's {@code Publish} messages, forwarded to the engine's ingress over Aeron like an HTTP
 * publish, with a correlation id of the edge's ({@link PublishRoutes}) so the fan-out can answer the connection with
 * {@code Published} (in the order sent) once the engine has journaled it, or with an {@code Error}
 * ({@code PUBLISH_FAILED}) if the engine refused it. A Publish the edge refuses itself (invalid topic, payload or
 * type, not granted, too many in flight, engine unavailable or back pressured) is answered at once with an
 * {@code Error} carrying the client's correlation id and the reason, counted in
 * {@code push_edge_publish_rejected_total}; nothing of it is published. IO threads; one instance per edge.
 */
final class WebSocketPublishes
{
    private final IngressProxy ingressProxy;
    private final PublishRoutes<ClientSession> routes;
    private final EdgeCounters counters;
    private final EpochNanoClock epochClock;
    private final int maxPayloadLength;
    private final long answerTimeoutNs;

    WebSocketPublishes(
        final IngressProxy ingressProxy,
        final PublishRoutes<ClientSession> routes,
        final EdgeCounters counters,
        final EpochNanoClock epochClock,
        final int maxPayloadLength,
        final long answerTimeoutMs)
    {
        this.answerTimeoutNs = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(answerTimeoutMs);
        this.ingressProxy = ingressProxy;
        this.routes = routes;
        this.counters = counters;
        this.epochClock = epochClock;
        this.maxPayloadLength = maxPayloadLength;
    }

    /**
     * Largest payload a Publish may carry.
     */
    int maxPayloadLength()
    {
        return maxPayloadLength;
    }

    /**
     * Forward one Publish, or answer why not. IO thread of the session.
     */
    void onPublish(
        final WebSocketSession session,
        final AccessGrant grant,
        final long correlationId,
        final PayloadType payloadType,
        final String topic,
        final DirectBuffer payload,
        final int offset,
        final int length,
        final PayloadValidator validator)
    {
        final String invalidTopic = TopicNames.validate(topic);
        if (null != invalidTopic)
        {
            refuse(session, ErrorCode.INVALID_TOPIC, correlationId, invalidTopic);
            return;
        }
        if (!grant.mayPublish(topic))
        {
            counters.forbidden().increment();
            refuse(session, ErrorCode.NOT_AUTHORIZED, correlationId,
                "publishing to '" + topic + "' is not granted to " + grant.subject() + " (pub_topics)");
            return;
        }
        if (PayloadType.NULL_VAL == payloadType)
        {
            refuse(session, ErrorCode.PUBLISH_FAILED, correlationId,
                "payloadType must be one of OPAQUE, TEXT, JSON, PRICE_TICK");
            return;
        }
        if (0 == length || length > maxPayloadLength)
        {
            refuse(session, ErrorCode.PUBLISH_FAILED, correlationId, 0 == length ? "empty payload: nothing to publish" :
                "payload of " + length + " bytes is larger than the " + maxPayloadLength + "-byte maximum " +
                "(push.max.payload.length)");
            return;
        }
        final String invalid = validator.check(payloadType, payload, offset, length);
        if (null != invalid)
        {
            refuse(session, ErrorCode.PUBLISH_FAILED, correlationId, payloadType + " payload is " + invalid);
            return;
        }

        final long nowNs = System.nanoTime();
        if (!session.tryStartPublish(nowNs, answerTimeoutNs))
        {
            counters.limitRejections().increment();
            refuse(session, ErrorCode.LIMIT_EXCEEDED, correlationId, "more than " +
                WebSocketSession.MAX_PUBLISHES_IN_FLIGHT + " publishes of this connection await the engine: " +
                "nothing published; send it again when earlier ones are answered");
            return;
        }
        final long edgeCorrelationId = routes.claim(session, correlationId, nowNs);
        if (PublishRoutes.NO_SLOT == edgeCorrelationId)
        {
            session.publishNotStarted();
            counters.limitRejections().increment();
            refuse(session, ErrorCode.LIMIT_EXCEEDED, correlationId, "the edge has too many publishes awaiting " +
                "the engine: nothing published; send it again when earlier ones are answered");
            return;
        }
        final long result = ingressProxy.publish(
            edgeCorrelationId, topic, payloadType, epochClock.nanoTime(), payload, offset, length);
        if (result < 0)
        {
            session.publishNotStarted();
            routes.release(edgeCorrelationId);
            refuse(session, ErrorCode.PUBLISH_FAILED, correlationId, "engine unavailable (" +
                Publication.errorString(result) + "): nothing published; send it again");
            return;
        }
        counters.publishRequests().increment();
    }

    private void refuse(
        final WebSocketSession session, final ErrorCode code, final long correlationId, final String reason)
    {
        counters.publishRejected().increment();
        session.sendError(code, correlationId, reason);
    }

}
