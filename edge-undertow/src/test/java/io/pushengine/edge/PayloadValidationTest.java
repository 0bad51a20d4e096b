package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushengine.codec.sbe.ErrorCode;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.PriceTickEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A payload must be what its type promises, checked at ingress on every publish path (HTTP, batch, WebSocket):
 * JSON one valid JSON value, PRICE_TICK a whole PriceTick message. A bad one is refused with the reason and counted,
 * and the topic's readers go on getting valid JSON: one bad publish cannot break them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PayloadValidationTest
{
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    @TempDir
    File journalDir;

    @Test
    void badJsonOrPriceTicksAreRefusedOnEveryPathAndReadersStayValid() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient publisher = new WebSocketTestClient(push.ws("/ws")))
        {
            final HttpResponse<String> notJson = post(push, "/publish/v", "application/json", bytes("{not json"));
            assertEquals(400, notJson.statusCode());
            assertTrue(notJson.body().contains("body is not valid JSON"), notJson.body());

            final HttpResponse<String> twoValues = post(push, "/publish/v", "application/json", bytes("{} {}"));
            assertEquals(400, twoValues.statusCode());
            assertTrue(twoValues.body().contains("more than one value"), twoValues.body());

            final HttpResponse<String> shortTick = post(push, "/publish/v?type=PRICE_TICK", "application/octet-stream",
                new byte[]{ 1 });
            assertEquals(400, shortTick.statusCode());
            assertTrue(shortTick.body().contains("not a PriceTick message"), shortTick.body());

            final HttpResponse<String> badLine = post(push, "/publish/v", "application/x-ndjson",
                bytes("{\"a\":1}\n[1,2,]\n"));
            assertEquals(400, badLine.statusCode());
            assertTrue(badLine.body().contains("line 2: not valid JSON"), badLine.body());

            publisher.sendBinary(ControlMessages.publish("v", 7, PayloadType.JSON, bytes("{\"a\":")));
            await(() -> publisher.errors.size() == 1);
            assertEquals(ErrorCode.PUBLISH_FAILED.value(), publisher.errors.get(0).code());
            assertTrue(publisher.errors.get(0).reason().contains("not valid JSON"), publisher.errors.get(0).reason());

            assertEquals(0, push.engine.lastGlobalSequence(), "nothing invalid was journaled");

            final HttpResponse<String> good = post(push, "/publish/v", "application/json", bytes("{\"price\":1.5}"));
            assertEquals(200, good.statusCode(), good.body());
            final HttpResponse<String> tick = post(push, "/publish/v?type=PRICE_TICK", "application/octet-stream",
                priceTick());
            assertEquals(200, tick.statusCode(), tick.body());

            final HttpResponse<String> poll = http.send(HttpRequest.newBuilder(push.http("/poll?topics=v&after=0"))
                .build(), HttpResponse.BodyHandlers.ofString());
            final JsonNode answer = mapper.readTree(poll.body()); // throws if a reader were given invalid JSON
            assertEquals(2, answer.get("events").size(), poll.body());
            assertEquals(4, push.edge.counters().httpRejected().get(), "every HTTP refusal counted");
            assertEquals(1, push.edge.counters().publishRejected().get(), "the WebSocket refusal counted");
        }
    }

    private HttpResponse<String> post(
        final EmbeddedPush push, final String path, final String contentType, final byte[] body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(push.http(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] priceTick()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final PriceTickEncoder encoder = new PriceTickEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
        encoder.instrument("EURUSD");
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
