package io.pushengine.bench;

import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.edge.session.EncodedEvent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
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
import java.util.concurrent.TimeUnit;

/**
 * The edge's per-event and per-frame work, single threaded: building a WebSocket batch frame from event bodies,
 * rendering the SSE form of an event, and a round trip through a connection's outbound ring.
 * Run with {@code -prof gc}: every benchmark here should show ~0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_OPENS_REFLECT, BenchFlags.NO_ANALYTICS })
public class FrameEncodingBenchmark
{
    private static final int EVENTS_PER_FRAME = 16;

    private final UnsafeBuffer eventBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final UnsafeBuffer frameBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024));
    private final BatchFrameBuilder batchFrameBuilder = new BatchFrameBuilder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EncodedEvent encodedEvent = new EncodedEvent();
    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
    private final org.agrona.concurrent.MessageHandler sink = (msgTypeId, buffer, index, length) -> { };
    private int eventLength;

    @Setup
    public void setup()
    {
        eventLength = BenchEvents.encodePriceTickEvent(eventBuffer, 42);
    }

    @Benchmark
    public int batchFrameOf16Events()
    {
        batchFrameBuilder.begin(frameBuffer, 0, frameBuffer.capacity(), 1L);
        for (int i = 0; i < EVENTS_PER_FRAME; i++)
        {
            batchFrameBuilder.tryAppendEventBody(eventBuffer, MessageHeaderDecoder.ENCODED_LENGTH,
                eventLength - MessageHeaderDecoder.ENCODED_LENGTH);
        }
        return batchFrameBuilder.finish();
    }

    @Benchmark
    public int sseRenderOfPriceTick()
    {
        eventDecoder.wrapAndApplyHeader(eventBuffer, 0, headerDecoder);
        return encodedEvent.wrap(eventDecoder, "prices.EURUSD", eventBuffer, 0, eventLength).sseLength();
    }

    @Benchmark
    public int outboundRingWriteThenRead()
    {
        ring.write(1, eventBuffer, MessageHeaderDecoder.ENCODED_LENGTH, eventLength - MessageHeaderDecoder.ENCODED_LENGTH);
        return ring.read(sink);
    }
}
