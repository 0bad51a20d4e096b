package io.pushengine.app;

import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PriceTickEncoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A simulated market: random-walk best bid/offer for a set of instruments, published as {@code PriceTick} events
 * on topics {@code prices.<SYMBOL>} at a steady rate, through a {@link TickSink}: the engine's in-process API in the
 * {@code embedded} role, a {@code PushPublisher} over Aeron in the {@code publisher} role.
 */
public final class DemoPriceFeed implements Agent
{
    /**
     * Where ticks go.
     */
    public interface TickSink
    {
        /**
         * @param instrument index of the instrument, 0 until the feed's instrument count, for a sink that keeps a
         *                   handle per topic.
         * @return false when back-pressured: the feed stops this duty cycle and catches up on the next.
         */
        boolean offer(int instrument, String topicName, DirectBuffer priceTick, int offset, int length);
    }

    static final String[] SYMBOLS = {
        "EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD", "EURGBP", "EURJPY", "GBPJPY",
        "EURCHF", "AUDJPY", "CADJPY", "CHFJPY", "EURAUD", "EURCAD", "GBPCHF", "GBPAUD", "AUDNZD", "NZDJPY",
        "XAUUSD", "XAGUSD", "BTCUSD", "ETHUSD", "SOLUSD", "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL",
        "META", "TSLA", "AVGO", "JPM", "V", "MA", "UNH", "XOM", "LLY", "COST",
        "ASML", "SAP", "NESN", "NOVN", "ROG", "SIE", "MC", "OR", "TTE", "AIR"
    };

    /**
     * Where each simulated instrument starts (illustrative levels, not market data).
     */
    private static final double[] REFERENCE_PRICES = {
        1.0850, 1.2700, 151.20, 0.8800, 0.6550, 1.3600, 0.6050, 0.8540, 164.10, 192.00,
        0.9550, 99.00, 111.20, 171.80, 1.6560, 1.4750, 1.1180, 1.9400, 1.0830, 91.50,
        2350.00, 28.50, 67000.00, 3500.00, 150.00, 190.00, 420.00, 900.00, 180.00, 170.00,
        490.00, 175.00, 1300.00, 195.00, 275.00, 460.00, 520.00, 115.00, 780.00, 720.00,
        950.00, 180.00, 95.00, 92.00, 250.00, 175.00, 820.00, 430.00, 62.00, 165.00
    };


    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final PriceTickEncoder tickEncoder = new PriceTickEncoder();
    private final SplittableRandom random = new SplittableRandom(42);
    private final TickSink sink;
    private final EpochNanoClock clock;
    private final long ticksPerSecond;
    private final String[] topics;
    private final byte[][] symbols;
    private final long[] mid;
    private final byte[] exponent;
    private long startNs;
    private long ticksPublished;
    private long backPressured;

    public DemoPriceFeed(
        final TickSink sink, final EpochNanoClock clock, final int instruments, final long ticksPerSecond)
    {
        this.sink = sink;
        this.clock = clock;
        this.ticksPerSecond = ticksPerSecond;
        final int count = Math.min(instruments, SYMBOLS.length);
        topics = new String[count];
        symbols = new byte[count][];
        mid = new long[count];
        exponent = new byte[count];
        for (int i = 0; i < count; i++)
        {
            topics[i] = "prices." + SYMBOLS[i];
            symbols[i] = java.util.Arrays.copyOf(
                SYMBOLS[i].getBytes(StandardCharsets.US_ASCII), PriceTickEncoder.instrumentLength());
            final String symbol = SYMBOLS[i];
            final int digits = isCurrencyPair(symbol) ? (symbol.endsWith("JPY") ? 3 : 5) : 2;
            exponent[i] = (byte)-digits;
            mid[i] = Math.round(REFERENCE_PRICES[i] * Math.pow(10, digits));
        }
    }

    public String roleName()
    {
        return "demo-price-feed";
    }

    public void onStart()
    {
        startNs = System.nanoTime();
    }

    public int doWork()
    {
        final long due = (System.nanoTime() - startNs) * ticksPerSecond / 1_000_000_000L;
        int work = 0;
        while (ticksPublished < due && work < 1000)
        {
            final int i = random.nextInt(topics.length);
            final long step = mid[i] / 10_000 + 1;
            mid[i] = Math.max(step * 10, mid[i] + random.nextLong(-step, step + 1));
            final long spread = Math.max(1, mid[i] / 50_000);
            final int length = encodeTick(i, mid[i] - spread, mid[i] + spread, exponent[i]);
            if (!sink.offer(i, topics[i], buffer, 0, length))
            {
                backPressured++;
                break;
            }
            ticksPublished++;
            work++;
        }
        return work;
    }

    /**
     * Currency pairs quote 5 decimals (3 against the yen); metals, crypto and shares 2.
     */
    private static boolean isCurrencyPair(final String symbol)
    {
        return symbol.length() == 6 && !symbol.startsWith("X") && !symbol.equals("BTCUSD") &&
            !symbol.equals("ETHUSD") && !symbol.equals("SOLUSD");
    }

    private int encodeTick(final int instrument, final long bid, final long ask, final byte priceExponent)
    {
        tickEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .timestampNs(clock.nanoTime())
            .bidSize(1_000_000L + random.nextInt(9) * 500_000L)
            .askSize(1_000_000L + random.nextInt(9) * 500_000L);
        tickEncoder.bid().mantissa(bid).exponent(priceExponent);
        tickEncoder.ask().mantissa(ask).exponent(priceExponent);
        tickEncoder.putInstrument(symbols[instrument], 0);
        return MessageHeaderEncoder.ENCODED_LENGTH + tickEncoder.encodedLength();
    }

    public long ticksPublished()
    {
        return ticksPublished;
    }

    public long backPressured()
    {
        return backPressured;
    }
}
