package io.pushengine.bench;

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

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/**
 * The CPU side of gzip on poll answers ({@code push.edge.compression=poll}: Undertow's gzip conduit, a Deflater at
 * the default level): one answer compressed per operation, for answers shaped as the edge renders them. The byte
 * side is printed at setup ({@code answer bytes -> gzip bytes}). Cases: {@code tick1} one price tick (a long-poll
 * answer at a low rate), {@code tick50} 50 price ticks (a short poll of a busy screen), {@code json4k10} ten 4 KB
 * JSON events (order-book style documents).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompressionBenchmark
{
    @Param({ "tick1", "tick50", "json4k10" })
    public String answer;

    private final byte[] out = new byte[256 * 1024];
    private Deflater deflater;
    private byte[] in;

    @Setup
    public void setup()
    {
        in = render(answer).getBytes(StandardCharsets.UTF_8);
        deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        System.out.printf("%n%s: answer %,d bytes -> gzip %,d bytes (%.1f %%)%n", answer, in.length,
            compressedLength() + 18, 100.0 * (compressedLength() + 18) / in.length); // + gzip header and trailer
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        deflater.end();
    }

    @Benchmark
    public int gzipAnswer()
    {
        return compressedLength();
    }

    private int compressedLength()
    {
        deflater.reset();
        deflater.setInput(in);
        deflater.finish();
        int length = 0;
        while (!deflater.finished())
        {
            length += deflater.deflate(out, length, out.length - length);
        }
        return length;
    }

    static String render(final String answer)
    {
        final StringBuilder events = new StringBuilder("{\"cursor\":123456,\"events\":[");
        switch (answer)
        {
            case "tick1" -> tick(events, 0);
            case "tick50" ->
            {
                for (int i = 0; i < 50; i++)
                {
                    tick(events.append(i > 0 ? "," : ""), i);
                }
            }
            default ->
            {
                for (int i = 0; i < 10; i++)
                {
                    document(events.append(i > 0 ? "," : ""), i);
                }
            }
        }
        return events.append("]}\n").toString();
    }

    static void tick(final StringBuilder out, final int i)
    {
        final String[] instruments = { "EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "USDCHF" };
        out.append("{\"sequence\":").append(123400 + i).append(",\"topic\":\"prices.")
            .append(instruments[i % instruments.length]).append("\",\"topicSequence\":").append(2000 + i)
            .append(",\"timestampNs\":").append(1796322670128081378L + i * 137_000L)
            .append(",\"type\":\"PRICE_TICK\",\"payload\":{\"instrument\":\"").append(instruments[i % instruments.length])
            .append("\",\"bid\":1.08").append(400 + (i * 7) % 97).append(",\"ask\":1.08").append(404 + (i * 7) % 97)
            .append(",\"bidSize\":").append(1_000_000 + (i % 5) * 500_000).append(",\"askSize\":")
            .append(1_500_000 + (i % 3) * 500_000).append(",\"timestampNs\":").append(1796322670128843364L + i)
            .append("}}");
    }

    static void document(final StringBuilder out, final int i)
    {
        out.append("{\"sequence\":").append(200000 + i).append(",\"topic\":\"books.ACME\",\"topicSequence\":")
            .append(i).append(",\"timestampNs\":").append(1796322670128081378L + i)
            .append(",\"type\":\"JSON\",\"payload\":{\"symbol\":\"ACME\",\"levels\":[");
        final int start = out.length();
        for (int level = 0; out.length() - start < 4000; level++)
        {
            out.append(level > 0 ? "," : "").append("{\"side\":\"").append(0 == level % 2 ? "bid" : "ask")
                .append("\",\"price\":").append(101.25 + level * 0.01 + i * 0.001).append(",\"size\":")
                .append(100 * ((level * 37 + i) % 50 + 1)).append(",\"orders\":").append((level * 13 + i) % 9 + 1)
                .append('}');
        }
        out.append("]}}");
    }
}
