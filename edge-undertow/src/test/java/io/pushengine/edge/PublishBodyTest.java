package io.pushengine.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How {@code POST /publish/{topic}} reads its body, over a real socket: a body that has arrived with its head is
 * read in place, one that arrives in pieces is read on as they come, a chunked one through Undertow, and one cut
 * short is refused with a 400 and publishes nothing. Each published body reaches a subscriber byte for byte, once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PublishBodyTest
{
    private static final String BODY = "{\"price\":101.25,\"note\":\"a body long enough to be split in three\"}";

    @TempDir
    File journalDir;

    @Test
    void aBodyThatArrivesInPiecesIsPublishedWholeAndTheConnectionCarriesOn() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=pieces"));
            Socket socket = connect(push))
        {
            push.engine.topic("pieces");
            await(() -> client.topicNames.size() == 1);
            final byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            final OutputStream out = socket.getOutputStream();
            final InputStream in = new BufferedInputStream(socket.getInputStream());

            out.write(head("/publish/pieces", body.length, false));
            out.write(body, 0, 10);
            out.flush();
            Thread.sleep(150); // the edge reads the head and the first piece, and waits for the rest
            out.write(body, 10, 20);
            out.flush();
            Thread.sleep(150);
            out.write(body, 30, body.length - 30);
            out.flush();
            final HttpAnswer first = HttpAnswer.read(in);

            out.write(head("/publish/pieces", body.length, false));
            out.write(body);
            out.flush();
            final HttpAnswer second = HttpAnswer.read(in);

            assertEquals(200, first.status, first.toString());
            assertTrue(first.body.contains("\"topicSequence\":1}"), first.toString());
            assertEquals(200, second.status, second.toString());
            assertTrue(second.body.contains("\"topicSequence\":2}"), second.toString());
            await(() -> client.events.size() == 2);
            assertEquals(BODY, client.events.get(0).payload());
            assertEquals(BODY, client.events.get(1).payload());
            assertEquals(2, push.edge.counters().publishRequests().get());
            assertEquals(0, push.edge.counters().errors().get());
        }
    }

    @Test
    void aChunkedBodyIsPublished() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=chunked"));
            Socket socket = connect(push))
        {
            push.engine.topic("chunked");
            await(() -> client.topicNames.size() == 1);
            final OutputStream out = socket.getOutputStream();

            out.write(head("/publish/chunked", -1, true));
            out.write(("10\r\n" + BODY.substring(0, 16) + "\r\n" +
                Integer.toHexString(BODY.length() - 16) + "\r\n" + BODY.substring(16) + "\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
            out.flush();
            final HttpAnswer answer = HttpAnswer.read(new BufferedInputStream(socket.getInputStream()));

            assertEquals(200, answer.status, answer.toString());
            await(() -> client.events.size() == 1);
            assertEquals(BODY, client.events.get(0).payload());
        }
    }

    @Test
    void aBodyCutShortPublishesNothingAndOtherPublishersCarryOn() throws Exception
    {
        try (EmbeddedPush push = new EmbeddedPush(journalDir);
            WebSocketTestClient client = new WebSocketTestClient(push.ws("/ws?topics=cut")))
        {
            push.engine.topic("cut");
            await(() -> client.topicNames.size() == 1);
            final byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            try (Socket socket = connect(push))
            {
                final OutputStream out = socket.getOutputStream();
                out.write(head("/publish/cut", body.length, false));
                out.write(body, 0, 20);
                out.flush();
                Thread.sleep(150); // read as a body in pieces: the edge waits for the rest
                socket.shutdownOutput(); // and it never comes

                final HttpAnswer answer = HttpAnswer.read(new BufferedInputStream(socket.getInputStream()));
                assertEquals(400, answer.status, answer.toString());
                assertTrue(answer.body.contains("could not read body"), answer.toString());
                assertEquals(1, push.edge.counters().httpRejected().get(), "the refusal is counted");
            }
            try (Socket socket = connect(push))
            {
                socket.getOutputStream().write(head("/publish/cut", 7, false));
                socket.getOutputStream().write("{\"n\":2}".getBytes(StandardCharsets.UTF_8));
                final HttpAnswer answer = HttpAnswer.read(new BufferedInputStream(socket.getInputStream()));
                assertEquals(200, answer.status, answer.toString());
                assertTrue(answer.body.contains("\"topicSequence\":1}"), "the cut body took no sequence: " + answer);
            }

            await(() -> client.events.size() == 1);
            assertEquals("{\"n\":2}", client.events.get(0).payload());
            assertEquals(1, push.edge.counters().publishRequests().get());
        }
    }

    private static Socket connect(final EmbeddedPush push) throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", push.edge.port()), 5_000);
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static byte[] head(final String target, final int contentLength, final boolean chunked)
    {
        return ("POST " + target + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1\r\n" +
            "Content-Type: application/json\r\n" +
            (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + contentLength + "\r\n") +
            "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
