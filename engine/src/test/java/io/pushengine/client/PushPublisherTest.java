package io.pushengine.client;

import io.pushengine.client.PublishResult;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.engine.PushEngine;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalReader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publisher library against a real engine over Aeron UDP on 127.0.0.1: ingress by unicast, acknowledgements
 * from the engine's event stream by dynamic multi-destination-cast, as a publisher on another host would use them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushPublisherTest
{
    @TempDir
    File journalDir;

    @Test
    void publishReturnsTheJournaledSequenceAndOffersLandInOrderBetween() throws Exception
    {
        final int controlPort = freeUdpPort();
        final String ingress = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final List<String> expectedPayloads = new ArrayList<>();
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context()
                .journalDir(journalDir)
                .eventsChannel("aeron:udp?control=127.0.0.1:" + controlPort + "|control-mode=dynamic")
                .ingressChannel(ingress));
            PushPublisher publisher = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(engine.aeronDirectoryName())
                .ingressChannel(ingress)
                .eventsChannel("aeron:udp?endpoint=127.0.0.1:0|control=127.0.0.1:" + controlPort +
                    "|control-mode=dynamic")))
        {
            assertTrue(publisher.awaitConnected(10_000), "connected to the engine");
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
            final Map<String, Long> topicSequences = new HashMap<>();
            long sequence = 0;
            for (int i = 0; i < 200; i++)
            {
                final String topic = (i % 2 == 0) ? "orders.A" : "orders.B";
                final String text = "p" + i;
                final int length = payload.putStringWithoutLengthAscii(0, text);
                final long result = publisher.publish(topic, PayloadType.TEXT, payload, 0, length);
                assertEquals(++sequence, result, () -> PublishResult.describe(result));
                assertEquals(topicSequences.merge(topic, 1L, Long::sum), publisher.lastTopicSequence());
                expectedPayloads.add(text);
            }

            for (int i = 0; i < 100; i++)
            {
                final String text = "o" + i;
                final int length = payload.putStringWithoutLengthAscii(0, text);
                long result;
                while ((result = publisher.offer("orders.A", PayloadType.TEXT, payload, 0, length)) ==
                    PublishResult.BACK_PRESSURED)
                {
                    Thread.yield();
                }
                assertTrue(result > 0, PublishResult.describe(result));
                expectedPayloads.add(text);
            }

            final int length = payload.putStringWithoutLengthAscii(0, "last");
            assertEquals(301, publisher.publish("orders.B", PayloadType.TEXT, payload, 0, length),
                "acknowledged after the 100 offers, which the engine sequenced in between");
            expectedPayloads.add("last");
        }

        assertEquals(expectedPayloads, journaledPayloads(), "the journal holds every event, in publish order");
    }

    @Test
    void refusesWhatTheEngineWouldDropAndSaysWhyItCouldNotSend() throws Exception
    {
        final String nobody = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context().journalDir(journalDir));
            PushPublisher unreachable = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(engine.aeronDirectoryName())
                .ingressChannel(nobody)
                .maxPayloadLength(16)
                .publishTimeoutMs(200));
            PushPublisher offerOnly = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(engine.aeronDirectoryName())
                .acknowledgements(false)))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[32]);
            final IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> unreachable.offer("has space", PayloadType.TEXT, payload, 0, 1));
            assertTrue(badName.getMessage().contains("may only contain"), badName.getMessage());
            final IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> unreachable.publish("ok", PayloadType.TEXT, payload, 0, 17));
            assertTrue(tooBig.getMessage().contains("maximum is 16"), tooBig.getMessage());

            assertEquals(PublishResult.NOT_CONNECTED, unreachable.offer("ok", PayloadType.TEXT, payload, 0, 1));
            assertEquals(PublishResult.NOT_CONNECTED, unreachable.publish("ok", PayloadType.TEXT, payload, 0, 1));

            assertThrows(IllegalStateException.class, () -> offerOnly.publish("ok", PayloadType.TEXT, payload, 0, 1));
            assertTrue(offerOnly.awaitConnected(10_000));
            assertTrue(offerOnly.offer("ok", PayloadType.TEXT, payload, 0, 1) > 0);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (engine.lastGlobalSequence() < 1 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(1, engine.lastGlobalSequence(), "the offer-only publisher's event was sequenced");
        }
    }

    @Test
    void anEngineThatRequiresTokensSequencesOnlyWhatTheyGrant() throws Exception
    {
        final byte[] key = "test-only-throwaway-ingress-key-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        try (PushEngine engine = PushEngine.launch(new PushEngine.Context()
                .journalDir(journalDir)
                .ingressJwtSecret(key));
            PushPublisher anonymous = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(engine.aeronDirectoryName()));
            PushPublisher orders = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(engine.aeronDirectoryName())
                .token(sign(key, "order-service", 3_600_000, List.of("orders.*"))));
            PushPublisher lapsed = PushPublisher.connect(new PushPublisher.Context()
                .aeronDirectoryName(engine.aeronDirectoryName())
                .token(sign(key, "old-service", -3_600_000, List.of("*")))))
        {
            final UnsafeBuffer payload = new UnsafeBuffer("x".getBytes(StandardCharsets.US_ASCII));
            for (final PushPublisher publisher : List.of(anonymous, orders, lapsed))
            {
                assertTrue(publisher.awaitConnected(10_000));
            }
            assertEquals(PublishResult.REJECTED, anonymous.publish("orders.1", PayloadType.TEXT, payload, 0, 1));
            assertTrue(anonymous.lastRefusal().startsWith("not authenticated"), anonymous.lastRefusal());

            assertEquals(1, orders.publish("orders.1", PayloadType.TEXT, payload, 0, 1));
            assertEquals(PublishResult.REJECTED, orders.publish("prices.EURUSD", PayloadType.TEXT, payload, 0, 1));
            assertTrue(orders.lastRefusal().contains("'prices.EURUSD' is not granted to order-service"),
                orders.lastRefusal());

            assertEquals(PublishResult.REJECTED, lapsed.publish("orders.2", PayloadType.TEXT, payload, 0, 1));
            assertTrue(lapsed.lastRefusal().contains("token expired"), lapsed.lastRefusal());
            assertEquals(2, orders.publish("orders.2", PayloadType.TEXT, payload, 0, 1), "nothing else was sequenced");
        }
    }

    static String sign(final byte[] key, final String subject, final long expiresInMs, final List<String> publish)
        throws Exception
    {
        final com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
            new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
            new com.nimbusds.jwt.JWTClaimsSet.Builder()
                .subject(subject)
                .expirationTime(new java.util.Date(System.currentTimeMillis() + expiresInMs))
                .claim("pub_topics", publish)
                .build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(key));
        return jwt.serialize();
    }

    private List<String> journaledPayloads()
    {
        final List<String> payloads = new ArrayList<>();
        try (EventJournal journal = new EventJournal(new EventJournal.Context().dir(journalDir));
            JournalReader reader = journal.newReader())
        {
            final EventDecoder decoder = new EventDecoder();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            reader.toStart();
            while (reader.read((buffer, offset, length) ->
            {
                decoder.wrapAndApplyHeader(buffer, offset, header);
                final byte[] bytes = new byte[decoder.payloadLength()];
                decoder.getPayload(bytes, 0, bytes.length);
                payloads.add(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII));
                return true;
            }, 1000) > 0)
            {
                // read all
            }
        }
        return payloads;
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
