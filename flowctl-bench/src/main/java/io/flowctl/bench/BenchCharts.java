package io.flowctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Draws one bar chart per benchmark class from a JMH JSON result file ({@code -rf json}): a bar per
 * method and parameter set, with its score and error, so growth with rows, columns or services is
 * visible at a glance.
 *
 * <pre>java -cp flowctl-bench/target/benchmarks.jar io.flowctl.bench.BenchCharts RESULT.json DIR
 * </pre>
 */
public final class BenchCharts {
  private static final int WIDTH = 980;
  private static final int ROW = 26;
  private static final int LEFT = 330;
  private static final int TOP = 56;

  private BenchCharts() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: BenchCharts RESULT.json OUTPUT_DIR");
      System.exit(2);
    }
    JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    Map<String, List<JsonNode>> byClass = new TreeMap<>();
    for (JsonNode r : results) {
      String benchmark = r.get("benchmark").asText();
      String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
      byClass
          .computeIfAbsent(cls.substring(cls.lastIndexOf('.') + 1), k -> new ArrayList<>())
          .add(r);
    }
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    for (Map.Entry<String, List<JsonNode>> e : byClass.entrySet()) {
      Path png = out.resolve(e.getKey() + ".png");
      draw(e.getKey(), e.getValue(), png);
      System.out.println("wrote " + png);
    }
  }

  private static void draw(String title, List<JsonNode> runs, Path png) throws IOException {
    Map<String, double[]> bars = new LinkedHashMap<>();
    String unit = "";
    for (JsonNode r : runs) {
      String method = r.get("benchmark").asText();
      method = method.substring(method.lastIndexOf('.') + 1);
      StringBuilder label = new StringBuilder(method);
      JsonNode params = r.get("params");
      if (params != null) {
        params
            .fields()
            .forEachRemaining(
                p ->
                    label.append(' ').append(p.getKey()).append('=').append(p.getValue().asText()));
      }
      JsonNode m = r.get("primaryMetric");
      double error = m.get("scoreError").isNumber() ? m.get("scoreError").asDouble() : 0;
      bars.put(label.toString(), new double[] {m.get("score").asDouble(), error});
      unit = m.get("scoreUnit").asText();
    }
    int height = TOP + bars.size() * ROW + 40;
    BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(new Color(0x0f1419));
    g.fillRect(0, 0, WIDTH, height);
    g.setColor(new Color(0xe6edf3));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title + "  (" + unit + ", log scale)", 16, 28);
    double max = bars.values().stream().mapToDouble(b -> b[0] + b[1]).max().orElse(1);
    double min =
        bars.values().stream().mapToDouble(b -> b[0]).filter(v -> v > 0).min().orElse(1) / 2;
    double span = Math.log10(max) - Math.log10(min);
    int plot = WIDTH - LEFT - 120;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int y = TOP;
    Color[] colors = {
      new Color(0x58a6ff), new Color(0x3fb950), new Color(0xd29922), new Color(0xbc8cff)
    };
    Map<String, Color> byMethod = new LinkedHashMap<>();
    for (Map.Entry<String, double[]> b : bars.entrySet()) {
      String method = b.getKey().split(" ")[0];
      Color c = byMethod.computeIfAbsent(method, k -> colors[byMethod.size() % colors.length]);
      double v = b.getValue()[0];
      int w = v <= 0 ? 0 : (int) Math.max(2, plot * (Math.log10(v) - Math.log10(min)) / span);
      g.setColor(new Color(0x8b98a9));
      g.drawString(b.getKey(), 16, y + 15);
      g.setColor(c);
      g.fillRect(LEFT, y + 4, w, ROW - 10);
      double err = b.getValue()[1];
      if (err > 0 && v - err > 0) {
        int lo = (int) (plot * (Math.log10(Math.max(min, v - err)) - Math.log10(min)) / span);
        int hi = (int) (plot * (Math.log10(v + err) - Math.log10(min)) / span);
        g.setColor(new Color(0xe6edf3));
        g.setStroke(new BasicStroke(1));
        g.drawLine(LEFT + lo, y + ROW / 2, LEFT + hi, y + ROW / 2);
      }
      g.setColor(new Color(0xe6edf3));
      g.drawString(format(v), LEFT + w + 8, y + 15);
      y += ROW;
    }
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }

  private static String format(double v) {
    if (v >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (v >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
