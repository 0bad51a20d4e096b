package io.pushengine.edge;

import io.pushengine.codec.sbe.AuthenticateEncoder;
import io.pushengine.codec.sbe.HeartbeatEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.SubscribeEncoder;
import io.pushengine.codec.sbe.UpdateSubscriptionEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The client's control messages, encoded with the generated SBE encoders, as bytes for a binary frame.
 */
final class ControlMessages
{
    private ControlMessages()
    {
    }

    static byte[] subscribe(final String topic, final long correlationId)
    {
        return subscribe(topic, correlationId, 0);
    }

    static byte[] subscribe(final String topic, final long correlationId, final int maxFrequency)
    {
        return subscribe(topic, correlationId, maxFrequency, 0);
    }

    static byte[] subscribe(
        final String topic, final long correlationId, final int maxFrequency, final int batchWindowMs)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final SubscribeEncoder encoder = new SubscribeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .fromSequence(SubscribeEncoder.fromSequenceNullValue())
            .snapshot((short)0)
            .maxFrequency(maxFrequency)
            .batchWindowMs(batchWindowMs)
            .topicName(topic);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    static byte[] updateSubscription(final String topic, final long correlationId, final int maxFrequency)
    {
        return updateSubscription(topic, correlationId, maxFrequency, 0);
    }

    static byte[] updateSubscription(
        final String topic, final long correlationId, final int maxFrequency, final int batchWindowMs)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final UpdateSubscriptionEncoder encoder = new UpdateSubscriptionEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .maxFrequency(maxFrequency)
            .batchWindowMs(batchWindowMs)
            .topicName(topic);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    static byte[] unsubscribe(final String topic, final long correlationId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final io.pushengine.codec.sbe.UnsubscribeEncoder encoder = new io.pushengine.codec.sbe.UnsubscribeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .topicName(topic);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    static byte[] authenticate(final String token, final long correlationId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
        final AuthenticateEncoder encoder = new AuthenticateEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .token(token);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    static byte[] heartbeat()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final HeartbeatEncoder encoder = new HeartbeatEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .timestampNs(System.nanoTime())
            .lastGlobalSequence(0);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    static byte[] publish(
        final String topic, final long correlationId, final io.pushengine.codec.sbe.PayloadType type, final byte[] payload)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256 + topic.length() + payload.length]);
        final io.pushengine.codec.sbe.PublishEncoder encoder = new io.pushengine.codec.sbe.PublishEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .payloadType(type)
            .topicName(topic)
            .putPayload(payload, 0, payload.length);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }
}
