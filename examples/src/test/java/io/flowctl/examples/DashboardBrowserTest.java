package io.flowctl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.server.FlowctlServer;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import io.flowctl.server.pipeline.PipelineRunner;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, installed by
 * .ci/run), after the example pipeline ran against a control plane serving it. The screenshot is
 * left in {@code examples/target/dashboard.png}.
 */
class DashboardBrowserTest {
  @TempDir Path dir;

  @Test
  void afterThePipelineRan_theDashboardShowsItsServicesFlowAndSchemas_andNoFalseAlertOrAdvice()
      throws Exception {
    Path yaml = DemoPipeline.unpack(dir.resolve("pipeline"));
    Pipeline pipeline = PipelineParser.parse(yaml).pipeline().orElseThrow();
    try (BufferAllocator allocator = new RootAllocator();
        FlowctlServer cp =
            FlowctlServer.builder()
                .host("127.0.0.1")
                .port(0)
                .httpPort(0)
                .store("sqlite:" + dir.resolve("flowctl.db"))
                .start()) {
      ExampleLauncher examples = new ExampleLauncher(allocator, dir.resolve("data"));
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              cp.runs(),
              (c, env) -> {
                Map<String, String> e = new HashMap<>(env);
                e.put("TTP_BATCHES", "40");
                e.put("TTP_ROWS", "10000");
                return examples.launch(c, e);
              },
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(30),
              Duration.ofMillis(100));
      try (PipelineRunner.Running running = runner.start(pipeline)) {
        running.completion().get(2, java.util.concurrent.TimeUnit.MINUTES); // the pipeline finished
        // The finished run's services keep beating with nothing to move: their throughput is
        // far below the baseline they had, which is what the old rule called degraded.
        long beats = heartbeats(cp, "ttp-source");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (heartbeats(cp, "ttp-source") < beats + 8 && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        var source = cp.monitor().service("ttp-source").orElseThrow();
        assertThat(source.series()).anyMatch(p -> p.rowsPerSecond() > 0);
        assertThat(source.latest().get("arrow_rows_per_second")).isZero();
        assertThat(cp.monitor().alerts()).as("a completed run is not degraded").isEmpty();
        assertThat(cp.monitor().recommendations()).as("nothing past a threshold").isEmpty();

        // A real alert still shows: a registration the policy refuses.
        var schema = cp.schemas().latest("arrow_data.TTPEventBatch").orElseThrow().schema();
        var narrowed =
            new org.apache.arrow.vector.types.pojo.Schema(schema.getFields().subList(0, 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> cp.schemas().register("arrow_data.TTPEventBatch", narrowed, "operator"));

        ChromeDriver browser = browser();
        try {
          browser.get("http://127.0.0.1:" + cp.httpPort() + "/");
          new WebDriverWait(browser, Duration.ofSeconds(30))
              .until(d -> d.findElements(By.cssSelector("#health tbody tr")).size() == 3);

          // The page re-renders its lists on every poll, so each list is read in one script run
          // (inside the page's own thread) rather than element by element from here.
          assertThat(attributes(browser, "#health tbody tr", "data-service"))
              .containsExactlyInAnyOrder("ttp-source", "ttp-asset-totals", "ttp-sink");
          assertThat(texts(browser, "#health tbody tr"))
              .allSatisfy(t -> assertThat(t).contains("healthy"));
          assertThat(text(browser, "#kpi-services")).isEqualTo("3 / 3");
          assertThat(text(browser, "#live")).startsWith("live");

          Number throughputPoints =
              (Number)
                  browser.executeScript(
                      "return Chart.getChart('chart-throughput').data.datasets"
                          + ".reduce((n, d) => n + d.data.filter(p => p.y > 0).length, 0)");
          assertThat(throughputPoints.intValue()).as("throughput points above zero").isPositive();
          Number batchSamples =
              (Number)
                  browser.executeScript(
                      "return Chart.getChart('chart-batches').data.datasets[0].data"
                          + ".reduce((a, b) => a + b, 0)");
          assertThat(batchSamples.intValue()).isPositive();
          for (String chart : List.of("chart-compression", "chart-latency", "chart-memory")) {
            Number sets =
                (Number)
                    browser.executeScript(
                        "return Chart.getChart(arguments[0]).data.datasets.length", chart);
            assertThat(sets.intValue()).as(chart).isPositive();
          }

          assertThat(text(browser, "#timeline"))
              .contains("arrow_data.TTPEventBatch")
              .contains("arrow_data.TTPAssetTotals")
              .contains("v1");
          assertThat(text(browser, "#matrix"))
              .contains("✓ arrow_data.TTPEventBatch")
              .contains("✓ arrow_data.TTPAssetTotals");
          new WebDriverWait(browser, Duration.ofSeconds(30))
              .until(d -> !d.findElements(By.cssSelector("#alerts li[data-kind]")).isEmpty());
          assertThat(attributes(browser, "#alerts li[data-kind]", "data-kind"))
              .containsExactly("COMPATIBILITY_FAILURES");
          assertThat(text(browser, "#alerts")).contains("arrow_data.TTPEventBatch");
          assertThat(text(browser, "#recommendations")).contains("Nothing to recommend");
          assertThat(text(browser, "#timeline")).contains("refused");
          assertThat(text(browser, "#validation")).contains("1 schema:arrow_data.TTPEventBatch");

          Path shot = Path.of("target", "dashboard.png");
          Files.createDirectories(shot.getParent());
          Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
          assertThat(Files.size(shot)).isGreaterThan(20_000);
        } finally {
          browser.quit();
        }
      }
    }
  }

  private static long heartbeats(FlowctlServer cp, String id) {
    return cp.monitor().service(id).map(v -> (long) v.series().size()).orElse(0L);
  }

  /** An attribute of every element a selector matches, read at one instant. */
  @SuppressWarnings("unchecked")
  private static List<String> attributes(ChromeDriver browser, String selector, String name) {
    return (List<String>)
        browser.executeScript(
            "return Array.from(document.querySelectorAll(arguments[0]))"
                + ".map(e => e.getAttribute(arguments[1]))",
            selector,
            name);
  }

  /** The rendered text of every element a selector matches, read at one instant. */
  @SuppressWarnings("unchecked")
  private static List<String> texts(ChromeDriver browser, String selector) {
    return (List<String>)
        browser.executeScript(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText)",
            selector);
  }

  private static String text(ChromeDriver browser, String selector) {
    List<String> all = texts(browser, selector);
    assertThat(all).as(selector).hasSize(1);
    return all.get(0);
  }

  private ChromeDriver browser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1440,1800",
        "--user-data-dir=" + dir.resolve("chromium-profile"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }
}
