package io.pushengine.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver by Selenium: nothing is downloaded. Both come
 * from apt ({@code chromium}, {@code chromium-driver}); {@code .ci/run} installs them and sets
 * {@code PUSH_BROWSER_TESTS=required}, so in CI a missing browser fails the build instead of skipping the tests.
 */
final class HeadlessChromium implements AutoCloseable
{
    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    static final Path ARTIFACTS = Path.of("target", "browser-artifacts");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChromeDriver driver;
    private final Path profile;

    HeadlessChromium() throws IOException
    {
        final boolean present = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (!present && "required".equals(System.getenv("PUSH_BROWSER_TESTS")))
        {
            throw new IllegalStateException("browser tests are required but " + CHROMIUM + " or " + CHROMEDRIVER +
                " is missing: apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "browser tests skipped: install chromium and chromium-driver (apt) to run them");

        profile = Files.createTempDirectory("push-chromium");
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
        final ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER)
            .usingAnyFreePort()
            .build();
        driver = new ChromeDriver(service, options);
    }

    void open(final URI uri)
    {
        driver.get(uri.toString());
    }

    /**
     * Evaluate {@code expression} in the page and read its value as JSON (null if undefined).
     */
    JsonNode eval(final String expression)
    {
        final Object json = ((JavascriptExecutor)driver).executeScript(
            "const v = (" + expression + "); return v === undefined ? null : JSON.stringify(v);");
        try
        {
            return null == json ? null : JSON.readTree((String)json);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Save a screenshot under {@code target/browser-artifacts/}.
     */
    Path screenshot(final String name) throws IOException
    {
        Files.createDirectories(ARTIFACTS);
        final Path target = ARTIFACTS.resolve(name + ".png");
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    public void close()
    {
        driver.quit();
        try (var files = Files.walk(profile))
        {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ignore)
        {
        }
    }
}
