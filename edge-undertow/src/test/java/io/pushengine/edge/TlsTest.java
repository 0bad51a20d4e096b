package io.pushengine.edge;

import io.pushengine.codec.sbe.PayloadType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.pushengine.edge.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * https and wss with a self-signed certificate made for the test by the JDK's keytool (SAN 127.0.0.1): the client
 * trusts exactly that certificate, completes the TLS handshake, reads /health and streams events over wss; a
 * client that does not trust it, and a plain http request, are refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest
{
    private static final String PASSWORD = "test-only-password";

    @TempDir
    File dir;

    @Test
    void servesHttpsAndWssWithTheConfiguredCertificate() throws Exception
    {
        final File keyStore = new File(dir, "edge.p12");
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
            "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
            "-keystore", keyStore.getAbsolutePath(), "-storepass", PASSWORD, "-keypass", PASSWORD)
            .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && 0 == keytool.exitValue(),
            new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

        try (EmbeddedPush push = new EmbeddedPush(new File(dir, "journal"), null, null, new EdgeServer.Context()
            .tlsKeyStore(keyStore.getAbsolutePath(), PASSWORD)))
        {
            assertEquals("https", push.edge.scheme());
            final HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(keyStore)).build();
            final URI base = URI.create("https://127.0.0.1:" + push.edge.port());
            final HttpResponse<String> health = trusting.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertEquals(HttpClient.Version.HTTP_1_1, health.version());

            push.engine.topic("tls.t");
            try (WebSocketTestClient client = new WebSocketTestClient(trusting,
                URI.create("wss://127.0.0.1:" + push.edge.port() + "/ws?topics=tls.t"), Map.of()))
            {
                await(() -> client.topicNames.containsValue("tls.t"));
                assertTrue(push.engine.publish("tls.t", PayloadType.TEXT, "over tls".getBytes(StandardCharsets.UTF_8)) > 0);
                await(() -> 1 == client.events.size());
                assertEquals("over tls", client.events.get(0).payload());
            }

            final HttpClient stranger = HttpClient.newHttpClient(); // the JDK's default trust: not our certificate
            final Exception untrusted = assertThrows(Exception.class, () -> stranger.send(
                HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()));
            assertTrue(String.valueOf(untrusted).contains("SSL") || String.valueOf(untrusted.getCause()).contains("SSL") ||
                String.valueOf(untrusted).contains("certificat"), String.valueOf(untrusted));
            assertThrows(Exception.class, () -> HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + push.edge.port() + "/health"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()),
                "no plain http on a TLS port");
        }
    }

    private static SSLContext trusting(final File keyStoreFile) throws Exception
    {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keyStoreFile))
        {
            store.load(in, PASSWORD.toCharArray());
        }
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("edge", store.getCertificate("edge"));
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
