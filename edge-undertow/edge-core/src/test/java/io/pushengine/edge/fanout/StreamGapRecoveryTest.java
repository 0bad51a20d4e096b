package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.EventEncoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.stream.EventStreamAdapter;
import io.pushengine.codec.stream.EventStreamListener;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StreamGapRecovery} stepped call by call, no threads, no Aeron: the replay requests it makes are recorded,
 * the engine's answers are fed to it as the replay stream would.
 */
class StreamGapRecoveryTest
{
    private final List<long[]> requests = new ArrayList<>();
    private final List<Long> live = new ArrayList<>();
    private final FanOutCounters counters = newCounters();
    private final EventStreamListener liveEvents = new EventStreamListener()
    {
        public void onEvent(final EventDecoder event, final DirectBuffer buffer, final int offset, final int length)
        {
            live.add(event.globalSequence());
        }

        public void onTopicDeclared(final int topic, final String topicName)
        {
        }
    };
    private final EventStreamAdapter stream = new EventStreamAdapter(null, liveEvents);
    private boolean replayStreamConnected = true;
    private final StreamGapRecovery recovery = new StreamGapRecovery(stream, liveEvents, (correlationId, from, to) ->
    {
        if (!replayStreamConnected)
        {
            return false;
        }
        requests.add(new long[]{correlationId, from, to});
        return true;
    }, new ReplayCorrelationIds(), counters);
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
    private final EventDecoder decoder = new EventDecoder();
    private int messageLength;

    @Test
    void anAnswerWhoseBeginningNeverArrivedIsAskedForAgainAndNothingIsCountedLost()
    {
        stream.advanceTo(254);
        assertTrue(recovery.onGap(254, 1306), "the stream is held while the gap is filled");
        recovery.requestReplay(0);
        assertEquals(1, requests.size());
        final long firstId = requests.get(0)[0];
        assertEquals(254, requests.get(0)[1]);
        assertEquals(1305, requests.get(0)[2]);

        // the answer's begin and events went out before this edge's replay image joined: only its end arrives
        assertFalse(recovery.onReplayBegin(firstId + 1000), "another edge's answer");
        assertTrue(recovery.onReplayEnd(firstId, 1), "the gap's answer");
        assertEquals(254, stream.lastGlobalSequence(), "nothing of it was taken");
        assertEquals(0, counters.streamGapEventsLost().get(), "nothing counted lost: the journal holds it all");
        assertEquals(1, counters.replayRetries().get());
        assertTrue(recovery.isRecovering(), "still held");

        recovery.requestReplay(1); // at once, not after the retry interval
        assertEquals(2, requests.size());
        final long secondId = requests.get(1)[0];
        assertNotEquals(firstId, secondId, "a new id: a late copy of the first answer is not taken for it");
        assertEquals(254, requests.get(1)[1]);
        assertEquals(1305, requests.get(1)[2]);

        assertFalse(recovery.onReplayEnd(firstId, 1), "the first answer is no longer the gap's");
        assertTrue(recovery.onReplayBegin(secondId));
        for (long sequence = 255; sequence <= 1305; sequence++)
        {
            recovery.onReplayedEvent(event(sequence), message, 0, messageLength);
        }
        assertTrue(recovery.onReplayEnd(secondId, 1));
        assertFalse(recovery.isRecovering());
        assertEquals(1305, stream.lastGlobalSequence());
        assertEquals(1051, live.size());
        assertEquals(255, live.get(0));
        assertEquals(1305, live.get(live.size() - 1));
        assertEquals(1051, counters.streamGapEventsRecovered().get());
        assertEquals(0, counters.streamGapEventsLost().get());
    }

    @Test
    void noRequestGoesOutUntilTheReplayStreamThatCarriesTheAnswerIsConnected()
    {
        stream.advanceTo(10);
        recovery.onGap(10, 20);
        replayStreamConnected = false;
        assertEquals(0, recovery.requestReplay(0));
        assertEquals(0, recovery.requestReplay(1));
        assertTrue(requests.isEmpty());

        replayStreamConnected = true;
        assertEquals(1, recovery.requestReplay(2), "asked as soon as it is connected, not after a retry interval");
        assertEquals(1, requests.size());
        assertEquals(1, counters.replayRequests().get());
    }

    @Test
    void whatTheJournalNoLongerHoldsIsCountedLostAndTheStreamGoesOn()
    {
        stream.advanceTo(10);
        recovery.onGap(10, 20);
        recovery.requestReplay(0);
        final long id = requests.get(0)[0];
        assertTrue(recovery.onReplayBegin(id));
        assertTrue(recovery.onReplayEnd(id, 15));
        assertEquals(9, counters.streamGapEventsLost().get());
        assertEquals(19, stream.lastGlobalSequence());
        assertEquals(0, counters.replayRetries().get());
        assertFalse(recovery.isRecovering());
    }

    private EventDecoder event(final long sequence)
    {
        final EventEncoder encoder = new EventEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
            .globalSequence(sequence)
            .topic(1)
            .topicSequence(sequence)
            .timestampNs(0)
            .payloadType(PayloadType.JSON)
            .putPayload(new byte[]{'1'}, 0, 1);
        messageLength = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        return decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
    }

    private static FanOutCounters newCounters()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024]));
        return FanOutCounters.allocate(typeId -> manager.newCounter("test", typeId));
    }
}
