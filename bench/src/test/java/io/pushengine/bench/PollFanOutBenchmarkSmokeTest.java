package io.pushengine.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PollFanOutBenchmark sets up, answers every waiting long-poll with one event and re-polls: so a change to the
 * fan-out or to polling sessions that breaks the benchmark fails the build, not the next person who runs JMH.
 */
class PollFanOutBenchmarkSmokeTest
{
    @Test
    void everyWaitingPollIsAnsweredByOneEventAndPollsAgain()
    {
        final PollFanOutBenchmark benchmark = new PollFanOutBenchmark();
        benchmark.polls = 100;
        benchmark.setup();
        assertEquals(100, benchmark.answerOneWaveAndPollAgain(), "polls answered by the first event");
        assertEquals(100, benchmark.answerOneWaveAndPollAgain(), "and the next wave by the next");
    }
}
