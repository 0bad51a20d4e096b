package io.pushengine.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FanOutBenchmark sets up and delivers an event to every subscriber, by each delivery: so a change to the fan-out's
 * constructor or counters that breaks the benchmark fails the build, not the next person who runs JMH.
 */
class FanOutBenchmarkSmokeTest
{
    @Test
    void everySubscriberIsSignalledOncePerEventByEachDelivery()
    {
        for (final String delivery : new String[]{ "ring", "shared-log" })
        {
            final FanOutBenchmark benchmark = new FanOutBenchmark();
            benchmark.subscribers = 100;
            benchmark.ringCapacity = 4096;
            benchmark.delivery = delivery;
            benchmark.setup();
            assertEquals(100, benchmark.fanOutOneEvent(), delivery + ": connections flushed for one event");
            assertEquals(100, benchmark.fanOutOneEvent(), delivery + ": and again for the next");
        }
    }
}
