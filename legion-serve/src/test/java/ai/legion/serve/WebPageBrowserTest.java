package ai.legion.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.report.ArtifactReport;
import ai.legion.core.report.Overlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page at / in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium): a sample picked
 * in the file input gives the verdict, the overlay and one explanation per artifact. Without the browser the test
 * fails and says how to install it ({@code .ci/run} installs it when missing).
 */
class WebPageBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("legion.chromium", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getProperty("legion.chromedriver", "/usr/bin/chromedriver"));

    private static LegionServer server;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            fail("the browser test needs headless Chromium and its driver at " + CHROMIUM + " and " + DRIVER
                    + ": install them with `apt-get install -y chromium chromium-driver` (Debian; .ci/run does this "
                    + "when they are missing), or point -Dlegion.chromium=... -Dlegion.chromedriver=... at them");
        }
        // analysis(...), not analyzer(...): the demo model is shared by the test classes, the server must not close it
        server = LegionServer.builder().analysis(() -> ImageAnalysis.of(TestServers.demo())).port(0).build().start();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                // --no-sandbox: CI runs as root, where Chromium refuses its sandbox
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1200,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        server.whenReady().toCompletableFuture().get(5, TimeUnit.MINUTES);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pickedImageShowsVerdictOverlayAndExplanations() throws Exception {
        Path sample = TestServers.SAMPLES.resolve("fake-1.png");
        RgbImage image = new ImageLoader().load(sample);
        ArtifactReport expected = TestServers.demo().analyze(image, "fake-1.png");

        browser.get(server.url() + "/");
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("status")).getText()
                .equals("model ready"));
        browser.findElement(By.id("file")).sendKeys(sample.toAbsolutePath().toString());

        JavascriptExecutor js = browser;
        new WebDriverWait(browser, Duration.ofMinutes(2)).until(d -> Boolean.TRUE.equals(js.executeScript(
                "const img = document.getElementById('overlay'); return img.complete && img.naturalWidth > 0;")));
        int width = ((Number) js.executeScript("return document.getElementById('overlay').naturalWidth;")).intValue();
        assertEquals(Overlay.render(image.toBufferedImage(), expected).getWidth(), width, "overlay width");

        String label = expected.verdict().orElseThrow().label().name();
        assertEquals(label.equals("FAKE") ? "Synthetic (FAKE)" : "Real", browser.findElement(By.id("verdict")).getText());
        assertEquals(String.format(Locale.ROOT, "p_fake = %.3f", expected.verdict().orElseThrow().pFake()),
                browser.findElement(By.id("pfake")).getText());
        List<WebElement> items = browser.findElements(By.cssSelector("#artifacts li"));
        assertEquals(expected.artifacts().size(), items.size());
        assertTrue(!items.isEmpty() && items.get(0).getText().contains(expected.artifacts().get(0).explanation()),
                () -> "first explanation: " + items.get(0).getText());
        assertTrue(browser.findElement(By.id("error")).getAttribute("hidden") != null, "no error shown");
        // what the page looked like, for a person reviewing a failure (or a change of the page)
        Files.write(Path.of(System.getProperty("basedir", "."), "target", "web-page.png"),
                browser.getScreenshotAs(OutputType.BYTES));
    }
}
