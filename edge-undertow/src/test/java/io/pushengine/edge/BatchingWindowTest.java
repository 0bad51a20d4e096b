package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that asks for a batching window gets the events arriving within it in one frame; a client with no
 * window gets them as they come. Out-of-bounds windows are refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchingWindowTest
{
    @TempDir
    File journalDir;

    @Test
    void eventsWithinTheWindowShareAFrame() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient windowed = new WebSocketTestClient(push.ws("/ws?topics=w&window=1000"));
            WebSocketTestClient immediate = new WebSocketTestClient(push.ws("/ws?topics=w")))
        {
            push.engine.topic("w");
            await(() -> windowed.topicNames.containsValue("w") && immediate.topicNames.containsValue("w"));

            for (int i = 0; i < 5; i++)
            {
                assertTrue(push.engine.publish("w", PayloadType.TEXT, ("e" + i).getBytes()) > 0);
                Thread.sleep(50); // spacing so that a client without a window sees separate frames
            }

            await(() -> windowed.events.size() == 5 && immediate.events.size() == 5);
            final long windowedFrames = windowed.batchFrames();
            final long immediateFrames = immediate.batchFrames();
            assertTrue(windowedFrames <= 2, "windowed client frames: " + windowedFrames);
            assertTrue(immediateFrames >= 3, "immediate client frames: " + immediateFrames);
            for (int i = 0; i < 5; i++)
            {
                assertEquals("e" + i, windowed.events.get(i).payload());
            }
        }
    }

    @Test
    void windowOutsideTheServerBoundsIs400() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir))
        {
            final HttpClient http = HttpClient.newHttpClient();
            final HttpResponse<String> tooLong = http.send(HttpRequest.newBuilder(push.http("/ws?topics=w&window=5000"))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, tooLong.statusCode());
            assertTrue(tooLong.body().contains("from 0 to 1000"), tooLong.body());
            assertEquals(400, http.send(HttpRequest.newBuilder(push.http("/sse?topics=w&window=abc")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }
}
