package demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import demo.Transfers.Total;
import io.flowctl.client.Flowctl;
import io.flowctl.testkit.FlowctlTestKit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TransfersTest {
  @Test
  void everyLegIsCountedOnce() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      List<Total> received = new CopyOnWriteArrayList<>();
      Flowctl.Component source = kit.start(Transfers.source());
      Flowctl.Component totals = kit.start(Transfers.totals());
      Flowctl.Component sink = kit.start(Transfers.sink(received::addAll));

      kit.consume(sink, kit.process(totals, kit.stream(source)));

      Map<String, Long> sums = new TreeMap<>();
      received.forEach(t -> sums.merge(t.asset(), t.amount(), Long::sum));
      assertEquals(Map.of("USDC", 250_000L, "XLM", 249_500L), sums); // odd and even amounts
    }
  }
}
