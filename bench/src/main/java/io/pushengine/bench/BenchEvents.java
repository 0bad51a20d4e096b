package io.pushengine.bench;

import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PriceTickEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Encoded events for benchmarks: a price tick wrapped in an Event, as the sequencer journals and distributes it.
 */
final class BenchEvents
{
    private BenchEvents()
    {
    }

    /**
     * @return length of the Event message encoded at offset 0 of {@code buffer}.
     */
    static int encodePriceTickEvent(final UnsafeBuffer buffer, final long globalSequence)
    {
        return encodePriceTickEvent(buffer, globalSequence, 108_543);
    }

    /**
     * @param bidMantissa the bid in units of 10^-5 (the ask is 3 more): ticks that differ, as a feed's do.
     * @return length of the Event message encoded at offset 0 of {@code buffer}.
     */
    static int encodePriceTickEvent(final UnsafeBuffer buffer, final long globalSequence, final long bidMantissa)
    {
        final UnsafeBuffer tick = new UnsafeBuffer(new byte[128]);
        final PriceTickEncoder tickEncoder = new PriceTickEncoder()
            .wrapAndApplyHeader(tick, 0, new MessageHeaderEncoder())
            .timestampNs(1_700_000_000_000_000_000L)
            .bidSize(1_000_000)
            .askSize(2_000_000);
        tickEncoder.bid().mantissa(bidMantissa).exponent((byte)-5);
        tickEncoder.ask().mantissa(bidMantissa + 3).exponent((byte)-5);
        tickEncoder.putInstrument(java.util.Arrays.copyOf("EURUSD".getBytes(StandardCharsets.US_ASCII), 16), 0);
        final int tickLength = MessageHeaderEncoder.ENCODED_LENGTH + tickEncoder.encodedLength();

        final EventEncoder encoder = new EventEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .globalSequence(globalSequence)
            .topic(1)
            .topicSequence(globalSequence)
            .timestampNs(1_700_000_000_000_000_000L)
            .payloadType(PayloadType.PRICE_TICK)
            .putPayload(tick, 0, tickLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
