package io.pushengine.client;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Base64;
import java.util.List;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Bad settings of a subscriber are refused before it connects, each with a message saying what is wrong; a token's
 * expiry is read from its {@code exp} claim (and a token that is not a JWT is simply not refreshed).
 */
class PushSubscriberContextTest
{
    private static final PushSubscriber.Listener NOTHING =
        (sequence, topic, topicSequence, timestampNs, type, payload, offset, length) -> { };

    @Test
    void refusesSettingsItCannotRunWith()
    {
        final URI edge = URI.create("ws://127.0.0.1:8080");
        assertEquals("at least one edge is required", assertThrows(IllegalArgumentException.class,
            () -> PushSubscriber.connect(new PushSubscriber.Context().topics(List.of("a")), NOTHING)).getMessage());
        assertEquals("at least one topic is required", assertThrows(IllegalArgumentException.class,
            () -> PushSubscriber.connect(new PushSubscriber.Context().edges(List.of(edge)), NOTHING)).getMessage());
        assertEquals("jitter must be in [0, 1): 1.5", assertThrows(IllegalArgumentException.class,
            () -> PushSubscriber.connect(new PushSubscriber.Context().edges(List.of(edge)).topics(List.of("a"))
                .backoff(100, 1000, 1.5), NOTHING)).getMessage());
    }

    @Test
    void readsATokensExpiryFromItsExpClaim()
    {
        final String claims = Base64.getUrlEncoder().withoutPadding()
            .encodeToString("{\"sub\":\"svc\",\"exp\":1900000000}".getBytes(US_ASCII));
        assertEquals(1_900_000_000_000L, PushSubscriber.expiresAtMs("eyJhbGciOiJIUzI1NiJ9." + claims + ".sig"));
        assertEquals(0, PushSubscriber.expiresAtMs("not-a-jwt"));
        assertEquals(0, PushSubscriber.expiresAtMs("a.%%%.c"));
        assertEquals(0, PushSubscriber.expiresAtMs(null));
    }
}
