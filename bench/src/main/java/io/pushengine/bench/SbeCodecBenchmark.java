package io.pushengine.bench;

import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.BatchEncoder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * SBE encode and decode of what the engine and edges exchange: one {@code Event} with a 64-byte payload (the
 * sequencer's unit on the Aeron stream), and a {@code Batch} of 16 (the edge's WebSocket frame). Flyweights over
 * one direct buffer: run with {@code -prof gc}, 0 B/op expected.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_OPENS_REFLECT, BenchFlags.NO_ANALYTICS })
public class SbeCodecBenchmark
{
    private static final int BATCH_SIZE = 16;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventEncoder eventEncoder = new EventEncoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final BatchEncoder batchEncoder = new BatchEncoder();
    private final BatchDecoder batchDecoder = new BatchDecoder();
    private long sequence;

    @Setup
    public void setup()
    {
        final byte[] text = new byte[64];
        Arrays.fill(text, (byte)'x');
        payload.putBytes(0, text);
        encodeBatch();
    }

    @Benchmark
    public int encodeEvent()
    {
        sequence++;
        eventEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .globalSequence(sequence)
            .topic(7)
            .topicSequence(sequence)
            .timestampNs(sequence)
            .payloadType(PayloadType.TEXT)
            .putPayload(payload, 0, payload.capacity());
        return eventEncoder.encodedLength();
    }

    @Benchmark
    public long encodeThenDecodeEvent()
    {
        encodeEvent();
        eventDecoder.wrapAndApplyHeader(buffer, 0, headerDecoder);
        final long checksum = eventDecoder.globalSequence() + eventDecoder.topic() + eventDecoder.topicSequence() +
            eventDecoder.timestampNs() + eventDecoder.payloadType().value();
        return checksum + eventDecoder.payloadLength();
    }

    @Benchmark
    public int encodeBatchOf16()
    {
        return encodeBatch();
    }

    @Benchmark
    public long decodeBatchOf16()
    {
        batchDecoder.wrapAndApplyHeader(buffer, 0, headerDecoder);
        long checksum = batchDecoder.sentTimestampNs();
        for (final BatchDecoder.EventsDecoder event : batchDecoder.events())
        {
            checksum += event.globalSequence() + event.topicSequence() + event.timestampNs() + event.payloadLength();
            event.skipPayload();
        }
        return checksum;
    }

    private int encodeBatch()
    {
        sequence += BATCH_SIZE;
        final BatchEncoder.EventsEncoder events = batchEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sentTimestampNs(sequence)
            .eventsCount(BATCH_SIZE);
        for (int i = 0; i < BATCH_SIZE; i++)
        {
            events.next()
                .globalSequence(sequence + i)
                .topic(7)
                .topicSequence(sequence + i)
                .timestampNs(sequence + i)
                .payloadType(PayloadType.TEXT)
                .putPayload(payload, 0, payload.capacity());
        }
        return batchEncoder.encodedLength();
    }
}
