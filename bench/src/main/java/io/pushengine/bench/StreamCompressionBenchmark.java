package io.pushengine.bench;

import io.pushengine.codec.BatchFrameBuilder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.edge.sse.GzipEventStream;
import io.pushengine.edge.websocket.WebSocketDeflater;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/**
 * The CPU side of compressing live streams, per message as the edge sends it, with the byte side printed at setup
 * (average bytes per message in and out over a run of different messages): {@code websocket} is permessage-deflate
 * with context takeover (the edge's default: one deflater per connection keeps its window across messages),
 * {@code websocketNoContext} the same with {@code server_no_context_takeover} (each message alone), {@code sse} one
 * gzip stream per connection flushed per write. Messages: {@code tick} one price tick (a WebSocket {@code Batch} of
 * one SBE event; an SSE event block with its JSON), {@code json4k} one 4 KB JSON event. The classes measured are
 * the edge's own ({@link WebSocketDeflater}, {@link GzipEventStream}); 0 B/op with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_OPENS_REFLECT })
public class StreamCompressionBenchmark
{
    /**
     * Distinct messages cycled through: more than a 32 KiB window holds, so context takeover never finds a whole
     * earlier copy of a message (it would flatter the ratio), only what real ticks share.
     */
    private static final int MESSAGES = 4096;

    @Param({ "websocket", "websocketNoContext", "sse" })
    public String stream;

    @Param({ "tick", "json4k" })
    public String event;

    private final ByteBuffer[] messages = new ByteBuffer[MESSAGES];
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private WebSocketDeflater deflater;
    private GzipEventStream gzip;
    private int next;

    @Setup(Level.Trial)
    public void setup()
    {
        for (int i = 0; i < MESSAGES; i++)
        {
            messages[i] = "sse".equals(stream) ? sseBlock(i) : webSocketMessage(i);
        }
        open();
        long in = 0;
        long compressed = 0;
        for (int i = 0; i < MESSAGES; i++)
        {
            in += messages[i].limit();
            compressed += compressNext();
        }
        System.out.printf("%n%s %s: %.0f bytes -> %.0f bytes per message (%.1f %%)%n", stream, event,
            in / (double)MESSAGES, compressed / (double)MESSAGES, 100.0 * compressed / in);
        close();
        open();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        close();
    }

    @Benchmark
    public int compressOneMessage()
    {
        return compressNext();
    }

    private int compressNext()
    {
        final ByteBuffer message = messages[next];
        next = (next + 1) & (MESSAGES - 1);
        message.position(0);
        out.clear();
        return null != gzip ? gzip.compress(message, out) : deflater.compress(message, out);
    }

    private void open()
    {
        if ("sse".equals(stream))
        {
            gzip = new GzipEventStream(Deflater.DEFAULT_COMPRESSION);
        }
        else
        {
            deflater = new WebSocketDeflater(Deflater.DEFAULT_COMPRESSION, "websocket".equals(stream));
        }
        next = 0;
    }

    private void close()
    {
        if (null != gzip)
        {
            gzip.close();
            gzip = null;
        }
        if (null != deflater)
        {
            deflater.close();
            deflater = null;
        }
    }

    private ByteBuffer webSocketMessage(final int i)
    {
        final UnsafeBuffer event = new UnsafeBuffer(new byte[8192]);
        final int eventLength;
        if ("tick".equals(this.event))
        {
            eventLength = BenchEvents.encodePriceTickEvent(event, 123_400 + i, 108_400 + (i * 7) % 97);
        }
        else
        {
            final StringBuilder json = new StringBuilder();
            CompressionBenchmark.document(json, i);
            final byte[] payload = json.toString().getBytes(StandardCharsets.UTF_8);
            final EventEncoder encoder = new EventEncoder()
                .wrapAndApplyHeader(event, 0, new MessageHeaderEncoder())
                .globalSequence(200_000 + i)
                .topic(7)
                .topicSequence(i)
                .timestampNs(1_796_322_670_128_081_378L + i)
                .payloadType(PayloadType.JSON)
                .putPayload(payload, 0, payload.length);
            eventLength = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        }
        final ByteBuffer frame = ByteBuffer.allocateDirect(16 * 1024);
        final BatchFrameBuilder builder = new BatchFrameBuilder()
            .begin(new UnsafeBuffer(frame), 0, frame.capacity(), 1_796_322_670_128_843_364L + i);
        builder.tryAppendEventBody(event, MessageHeaderEncoder.ENCODED_LENGTH,
            eventLength - MessageHeaderEncoder.ENCODED_LENGTH);
        return frame.limit(builder.finish());
    }

    private ByteBuffer sseBlock(final int i)
    {
        final StringBuilder json = new StringBuilder();
        if ("tick".equals(event))
        {
            CompressionBenchmark.tick(json, i);
        }
        else
        {
            CompressionBenchmark.document(json, i);
        }
        final String block = "id: " + (123_400 + i) + "\nevent: prices.EURUSD\ndata: " + json + "\n\n";
        final byte[] bytes = block.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }
}
