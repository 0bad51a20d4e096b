package io.pushengine.bench;

import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.EventSubscription;
import io.pushengine.engine.PushEngine;
import io.pushengine.engine.Topic;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sequencer's whole path in one embedded engine: a publisher's offer into the publish ring, the single writer
 * assigning the global sequence, the Chronicle Queue append, and the Aeron (IPC) offer, with an in-process
 * subscriber draining the stream so that nothing backs up. 64-byte payloads on one topic.
 * <ul>
 *   <li>{@code offer}: throughput. The ring is bounded, so in steady state the caller can go no faster than the
 *   sequencer journals and distributes: this is the sequencer's sustained events/s.</li>
 *   <li>{@code publishUntilJournaled}: sample time of {@code PushEngine.publish}, which returns once the event is
 *   journaled: publish-to-journal latency percentiles (a round trip through the sequencer thread).</li>
 * </ul>
 * Run with {@code -prof gc}: the allocation figure covers every thread of the forked JVM (sequencer, media driver,
 * subscriber), per operation.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.ADD_EXPORTS_MISC, BenchFlags.ADD_EXPORTS_NIO, BenchFlags.ADD_EXPORTS_REF, BenchFlags.ADD_OPENS_REFLECT,
    BenchFlags.ADD_OPENS_NIO, BenchFlags.ADD_OPENS_NIO_CH, BenchFlags.ADD_OPENS_LANG, BenchFlags.NO_ANALYTICS,
    "-Daeron.dir.delete.on.start=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn" })
public class SequencerBenchmark
{
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final AtomicLong received = new AtomicLong();
    private File journalDir;
    private PushEngine engine;
    private EventSubscription subscription;
    private Topic topic;

    @Setup(Level.Trial)
    public void setup() throws Exception
    {
        final byte[] text = new byte[64];
        Arrays.fill(text, (byte)'x');
        payload.putBytes(0, text);
        journalDir = Files.createTempDirectory("push-sequencer-bench").toFile();
        engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir));
        topic = engine.topic("bench.sequencer");
        subscription = engine.subscribe((globalSequence, topicName, topicSequence, timestampNs, payloadType,
            buffer, offset, length) -> received.lazySet(globalSequence));
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        subscription.close();
        engine.close();
        IoUtil.delete(journalDir, true);
        System.out.println("subscriber received up to global sequence " + received.get());
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    public long offer()
    {
        long result;
        while ((result = engine.offer(topic, PayloadType.TEXT, payload, 0, payload.capacity())) < 0)
        {
            Thread.onSpinWait();
        }
        return result;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long publishUntilJournaled()
    {
        return engine.publish(topic, PayloadType.TEXT, payload, 0, payload.capacity());
    }
}
