package io.pushengine.bench;

import io.pushengine.client.PushSubscriber;
import io.pushengine.client.SubscriberFrameDecoder;
import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.BatchEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.SubscribedEncoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What one {@code PushSubscriber} costs per event on its own thread: decoding a WebSocket {@code Batch} frame of
 * {@value #BATCH_SIZE} events (64-byte payloads, one topic) into listener calls, each payload a view of the frame.
 * Per operation = per event. Each invocation first moves the frame's 32 global and topic sequences on (64 stores),
 * since the decoder rightly drops events it has had (per topic, by topic sequence). Run with {@code -prof gc}: 0 B/op expected.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_OPENS_REFLECT, BenchFlags.NO_ANALYTICS })
public class SubscriberDecodeBenchmark
{
    static final int BATCH_SIZE = 32;
    private static final int TOPIC_SEQUENCE_OFFSET = BatchDecoder.EventsDecoder.topicSequenceEncodingOffset();

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final int[] sequenceOffsets = new int[BATCH_SIZE];
    private int frameLength;
    private long sequence;
    private SubscriberFrameDecoder decoder;
    private Blackhole blackhole;

    @Setup
    public void setup(final Blackhole blackhole)
    {
        this.blackhole = blackhole;
        decoder = new SubscriberFrameDecoder(new PushSubscriber.Listener()
        {
            public void onEvent(
                final long globalSequence,
                final String topic,
                final long topicSequence,
                final long timestampNs,
                final PayloadType payloadType,
                final DirectBuffer payload,
                final int offset,
                final int length)
            {
                SubscriberDecodeBenchmark.this.blackhole.consume(payload.getByte(offset + length - 1));
                SubscriberDecodeBenchmark.this.blackhole.consume(topic);
            }
        });

        final SubscribedEncoder subscribed = new SubscribedEncoder();
        subscribed.wrapAndApplyHeader(frame, 0, new MessageHeaderEncoder())
            .correlationId(0).topic(1).topicSequence(0).topicName("prices.EURUSD");
        decoder.onFrame(frame, MessageHeaderEncoder.ENCODED_LENGTH + subscribed.encodedLength());

        final byte[] payload = new byte[64];
        Arrays.fill(payload, (byte)'x');
        final BatchEncoder batch = new BatchEncoder();
        batch.wrapAndApplyHeader(frame, 0, new MessageHeaderEncoder()).sentTimestampNs(1);
        final BatchEncoder.EventsEncoder events = batch.eventsCount(BATCH_SIZE);
        for (int i = 0; i < BATCH_SIZE; i++)
        {
            sequenceOffsets[i] = batch.limit(); // the entry starts with its global sequence
            events.next()
                .globalSequence(i + 1)
                .topic(1)
                .topicSequence(i + 1)
                .timestampNs(1)
                .payloadType(PayloadType.JSON)
                .putPayload(payload, 0, payload.length);
        }
        frameLength = MessageHeaderEncoder.ENCODED_LENGTH + batch.encodedLength();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public long decodeBatch()
    {
        for (int i = 0; i < BATCH_SIZE; i++)
        {
            ++sequence; // global and topic sequence alike (one topic): the decoder drops repeats per topic
            frame.putLong(sequenceOffsets[i], sequence);
            frame.putLong(sequenceOffsets[i] + TOPIC_SEQUENCE_OFFSET, sequence);
        }
        decoder.onFrame(frame, frameLength);
        return decoder.cursor();
    }
}
