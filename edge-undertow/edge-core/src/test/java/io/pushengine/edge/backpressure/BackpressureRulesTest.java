package io.pushengine.edge.backpressure;

import io.pushengine.edge.backpressure.BackpressurePolicy;
import io.pushengine.edge.backpressure.BackpressureRules;
import io.pushengine.edge.backpressure.DeliveryPolicy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's policy per topic pattern and how a client's request combines with it (configuration parsing: no
 * sockets needed; the socket tests exercise each policy).
 */
class BackpressureRulesTest
{
    @Test
    void firstMatchingPatternWinsElseTheDefault()
    {
        final BackpressureRules rules = BackpressureRules.parse(
            "px.fx.*=throttle:4, px.*=conflate, orders.*.eu=drop", DeliveryPolicy.DISCONNECT);
        assertEquals(new DeliveryPolicy(BackpressurePolicy.THROTTLE, 4), rules.policyFor("px.fx.EURUSD"));
        assertEquals(DeliveryPolicy.CONFLATE, rules.policyFor("px.equity.VOD"));
        assertEquals(DeliveryPolicy.DROP, rules.policyFor("orders.desk1.eu"));
        assertEquals(DeliveryPolicy.DISCONNECT, rules.policyFor("orders.desk1.us"));
        assertEquals(DeliveryPolicy.DISCONNECT, rules.policyFor("pxfx"));
    }

    @Test
    void invalidRulesAreRefusedNamingTheRule()
    {
        final IllegalArgumentException noEquals = assertThrows(IllegalArgumentException.class,
            () -> BackpressureRules.parse("px.*", DeliveryPolicy.DISCONNECT));
        assertTrue(noEquals.getMessage().contains("'px.*'"), noEquals.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackpressureRules.parse("a=fast", DeliveryPolicy.DROP));
        assertThrows(IllegalArgumentException.class, () -> BackpressureRules.parse("a=throttle", DeliveryPolicy.DROP));
        assertThrows(IllegalArgumentException.class, () -> BackpressureRules.parse("a=throttle:0", DeliveryPolicy.DROP));
        assertThrows(IllegalArgumentException.class, () -> BackpressureRules.parse("a=drop:5", DeliveryPolicy.DROP));
    }

    @Test
    void clientMayChooseButCannotLiftAServerThrottle()
    {
        final DeliveryPolicy serverThrottle = new DeliveryPolicy(BackpressurePolicy.THROTTLE, 10);
        assertEquals(DeliveryPolicy.CONFLATE, DeliveryPolicy.resolve(DeliveryPolicy.DISCONNECT,
            DeliveryPolicy.CONFLATE));
        assertEquals(DeliveryPolicy.DROP, DeliveryPolicy.resolve(DeliveryPolicy.DROP, null));
        assertEquals(serverThrottle, DeliveryPolicy.resolve(serverThrottle, DeliveryPolicy.DISCONNECT));
        assertEquals(serverThrottle, DeliveryPolicy.resolve(serverThrottle,
            new DeliveryPolicy(BackpressurePolicy.THROTTLE, 50)));
        assertEquals(new DeliveryPolicy(BackpressurePolicy.THROTTLE, 2), DeliveryPolicy.resolve(serverThrottle,
            new DeliveryPolicy(BackpressurePolicy.THROTTLE, 2)));
    }
}
