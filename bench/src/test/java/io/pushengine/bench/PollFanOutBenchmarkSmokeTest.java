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
        benchmark.setup(false);
        assertEquals(100, benchmark.answerOneWaveAndPollAgain(), "polls answered by the first event");
        assertEquals(100, benchmark.answerOneWaveAndPollAgain(), "and the next wave by the next");
        assertEquals(200, benchmark.eventsFromLog, "every answer's event read from the edge's text log");
    }

    @Test
    void everyPollThatComesBackAfterItsEventIsResumedAndAnsweredAtOnce()
    {
        final PollFanOutBenchmark benchmark = new PollFanOutBenchmark();
        benchmark.polls = 100;
        benchmark.setup(true);
        assertEquals(100, benchmark.answerPollsThatComeBackAfterTheirEvent(), "late polls answered");
        assertEquals(100, benchmark.answerPollsThatComeBackAfterTheirEvent(), "and the next wave's");
        assertEquals(200, benchmark.eventsFromLog, "every resumed event read from the edge's text log");
    }
}
